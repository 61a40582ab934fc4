/**
 * The {@code thin_dump} XML format, out and in: {@link org.thinpool.thin.xml.XmlDumpWriter} turns
 * the metadata's content stream ({@link org.thinpool.thin.RestoreSink}) into XML, {@link
 * org.thinpool.thin.xml.XmlRestoreReader} drives a sink from XML and rejects bad input with {@link
 * org.thinpool.thin.xml.XmlFormatException}. Uses {@code thin} and below, never {@code thin.check}.
 */
package org.thinpool.thin.xml;

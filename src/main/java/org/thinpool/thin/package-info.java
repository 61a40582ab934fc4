/**
 * The dm-thin metadata model: superblock, details tree, mapping tree, metadata snapshot, and the
 * logical content of a pool as a stream ({@link org.thinpool.thin.RestoreSink}: dumped from the
 * metadata by {@link org.thinpool.thin.MetadataDumper}, built into new metadata by {@link
 * org.thinpool.thin.MetadataRestorer}). Formats and reports over that stream live in {@code
 * thin.xml} and {@code thin.check}. Uses the meta packages and io; refuses requests with {@link
 * org.thinpool.thin.MetadataStateException}.
 */
package org.thinpool.thin;

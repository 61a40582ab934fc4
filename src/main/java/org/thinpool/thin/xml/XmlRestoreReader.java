package org.thinpool.thin.xml;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.thinpool.thin.RestoreSink;

/**
 * Reads {@code thin_dump} XML and drives a {@link RestoreSink}, streaming: memory does not grow
 * with the number of mappings (except for {@code <def>} blocks, which are kept to be replayed).
 *
 * <p>Accepted input, the 0.9.0 format plus the forms of the Rust 1.x tools:
 *
 * <pre>
 * element         attributes (all unsigned decimal except uuid and name)
 * superblock      uuid, time (u32), transaction, [flags (u32, default 0)],
 *                 [version (u32, default 2)], data_block_size (u32), nr_data_blocks,
 *                 [metadata_snap (checked, then ignored)]
 * def             name             (child of superblock; holds mappings only)
 * device          dev_id (u32), mapped_blocks, transaction, creation_time (u32), snap_time (u32)
 * single_mapping  origin_block, data_block, time (u32)
 * range_mapping   origin_begin, data_begin, length (>= 1), time (u32)
 * ref             name             (child of device; replays the def's mappings in order)
 * </pre>
 *
 * <p>u64 values must also fit a Java {@code long}; data blocks must stay below {@link
 * #MAX_DATA_BLOCKS}. Everything else is an {@link XmlFormatException} naming the line: unknown
 * elements or attributes, missing or non-numeric attributes, mappings or refs outside a device, a
 * duplicate dev id or def name, origin blocks that are not strictly ascending within a device or
 * def, a ref to a name not defined before it, non-blank text, DTDs and entity references. {@link
 * IOException}s of the input and of the sink pass through unchanged. The sink may have received
 * part of the document when an error is raised.
 *
 * <p>Hostile input: DTDs and external entities are disabled in the parser, and a document that
 * declares a DTD is rejected outright.
 */
public final class XmlRestoreReader {
  /** {@code flags} when the attribute is absent (as in thin_dump 1.x without needs_check). */
  public static final long DEFAULT_FLAGS = 0;

  /**
   * {@code version} when the attribute is absent: the version the kernel writes. thin_restore 0.9.0
   * would store 1 here.
   */
  public static final long DEFAULT_VERSION = 2;

  /** Data blocks are stored in 40 bits of a mapping value (spec 3.4), so they stay below this. */
  public static final long MAX_DATA_BLOCKS = 1L << 40;

  private XmlRestoreReader() {}

  /** Reads the XML file at {@code xml}. */
  public static void read(Path xml, RestoreSink sink) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(xml), 1 << 16)) {
      read(in, sink);
    }
  }

  /** Reads XML bytes (encoding from the declaration, else UTF-8); does not close {@code in}. */
  public static void read(InputStream in, RestoreSink sink) throws IOException {
    Objects.requireNonNull(in, "in");
    parse(open(f -> f.createXMLStreamReader(in)), sink);
  }

  /** Reads XML characters; does not close {@code in}. */
  public static void read(Reader in, RestoreSink sink) throws IOException {
    Objects.requireNonNull(in, "in");
    parse(open(f -> f.createXMLStreamReader(in)), sink);
  }

  /** How a stream reader is made over bytes or characters. */
  private interface ReaderOpener {
    XMLStreamReader open(XMLInputFactory factory) throws XMLStreamException;
  }

  private static XMLStreamReader open(ReaderOpener opener) throws IOException {
    try {
      return opener.open(factory());
    } catch (XMLStreamException e) {
      throw translate(e);
    }
  }

  private static void parse(XMLStreamReader reader, RestoreSink sink) throws IOException {
    Objects.requireNonNull(sink, "sink");
    try {
      new RestoreParser(reader, sink).run();
    } catch (XMLStreamException e) {
      throw translate(e);
    } finally {
      try {
        reader.close();
      } catch (XMLStreamException e) {
        // closing a StAX reader releases parser state only; the caller owns the input
      }
    }
  }

  /** The JDK's own StAX implementation, with DTDs and external entities off. */
  private static XMLInputFactory factory() {
    XMLInputFactory f = XMLInputFactory.newDefaultFactory();
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, false);
    f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, true);
    return f;
  }

  /** A read error of the input stays an I/O error; anything else is a format error. */
  private static IOException translate(XMLStreamException e) {
    Throwable cause = e.getNestedException() != null ? e.getNestedException() : e.getCause();
    if (cause instanceof IOException io) {
      return io;
    }
    Location where = e.getLocation();
    int line = where == null ? -1 : where.getLineNumber();
    return new XmlFormatException(line, "malformed XML: " + oneLine(e.getMessage()), e);
  }

  /** The StAX message without its "ParseError at [row,col]" prefix, on one line. */
  private static String oneLine(String message) {
    if (message == null) {
      return "unknown parser error";
    }
    int at = message.indexOf("Message: ");
    String text = at >= 0 ? message.substring(at + "Message: ".length()) : message;
    return text.strip().replaceAll("\\s+", " ");
  }
}

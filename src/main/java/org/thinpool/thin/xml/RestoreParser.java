package org.thinpool.thin.xml;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.thinpool.thin.DeviceInfo;
import org.thinpool.thin.RestoreSink;
import org.thinpool.thin.SuperblockInfo;

/**
 * The state machine behind {@link XmlRestoreReader}: one instance per document.
 *
 * <pre>
 * context     allowed children
 * DOCUMENT    superblock
 * SUPERBLOCK  device, def
 * DEVICE      single_mapping, range_mapping, ref
 * DEF         single_mapping, range_mapping
 * LEAF        nothing (the three empty elements)
 * </pre>
 */
final class RestoreParser {
  private enum Context {
    DOCUMENT,
    SUPERBLOCK,
    DEVICE,
    DEF,
    LEAF,
    DONE
  }

  /** One mapping element: {@code length} blocks from {@code origin -> data}. */
  private record Run(long origin, long data, long length, long time) {}

  private static final Set<String> KNOWN =
      Set.of("superblock", "device", "def", "ref", "single_mapping", "range_mapping");

  private final XMLStreamReader reader;
  private final RestoreSink sink;
  private final Map<String, MappingRuns> defs = new HashMap<>();
  private final Set<Long> devIds = new HashSet<>();

  private Context context = Context.DOCUMENT;
  private Context leafParent;
  private String leafElement;

  /** The open device, or the open def's name. */
  private long devId;

  private String defName;
  private MappingRuns openDef;

  /** The last origin block sent to the sink for the open device; -1 if none. */
  private long lastOrigin;

  RestoreParser(XMLStreamReader reader, RestoreSink sink) {
    this.reader = reader;
    this.sink = sink;
  }

  void run() throws IOException, XMLStreamException {
    while (reader.hasNext()) {
      switch (reader.next()) {
        case XMLStreamConstants.START_ELEMENT -> startElement();
        case XMLStreamConstants.END_ELEMENT -> endElement();
        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA -> text();
        case XMLStreamConstants.DTD -> throw error("a DTD is not allowed");
        case XMLStreamConstants.ENTITY_REFERENCE -> throw error("entity references not allowed");
        default -> {
          // whitespace, comments, processing instructions, start and end of document
        }
      }
    }
    if (context != Context.DONE) {
      throw error("the document ends before </superblock>");
    }
  }

  private void startElement() throws IOException {
    String name = reader.getLocalName();
    XmlAttributes attrs = new XmlAttributes(reader, name, line());
    switch (context) {
      case DOCUMENT -> {
        require(name.equals("superblock"), name);
        superblock(attrs);
      }
      case SUPERBLOCK -> {
        switch (name) {
          case "device" -> device(attrs);
          case "def" -> def(attrs);
          case "single_mapping", "range_mapping", "ref" ->
              throw error("<" + name + "> outside a <device>");
          default -> require(false, name);
        }
      }
      case DEVICE -> {
        switch (name) {
          case "single_mapping", "range_mapping" -> deviceMapping(run(name, attrs));
          case "ref" -> ref(attrs);
          default -> require(false, name);
        }
      }
      case DEF -> {
        require(name.equals("single_mapping") || name.equals("range_mapping"), name);
        defMapping(run(name, attrs));
      }
      case LEAF, DONE -> require(false, name);
    }
  }

  private void endElement() throws IOException {
    switch (context) {
      case LEAF -> context = leafParent;
      case DEVICE -> {
        sink.endDevice();
        context = Context.SUPERBLOCK;
      }
      case DEF -> {
        defs.put(defName, openDef);
        openDef = null;
        context = Context.SUPERBLOCK;
      }
      case SUPERBLOCK -> {
        sink.end();
        context = Context.DONE;
      }
      case DOCUMENT, DONE -> throw new AssertionError("end tag in " + context);
    }
  }

  private void superblock(XmlAttributes a) throws IOException {
    SuperblockInfo sb =
        new SuperblockInfo(
            a.text("uuid"),
            a.u32("time"),
            a.u64("transaction"),
            a.optionalU32("flags", XmlRestoreReader.DEFAULT_FLAGS),
            a.optionalU32("version", XmlRestoreReader.DEFAULT_VERSION),
            a.u32("data_block_size"),
            a.u64("nr_data_blocks"));
    a.ignoreOptionalU64("metadata_snap");
    a.rejectUnknown();
    sink.superblock(sb);
    context = Context.SUPERBLOCK;
  }

  private void device(XmlAttributes a) throws IOException {
    DeviceInfo d =
        new DeviceInfo(
            a.u32("dev_id"),
            a.u64("mapped_blocks"),
            a.u64("transaction"),
            a.u32("creation_time"),
            a.u32("snap_time"));
    a.rejectUnknown();
    if (!devIds.add(d.devId())) {
      throw error("duplicate <device dev_id=\"" + d.devId() + "\">");
    }
    sink.beginDevice(d);
    devId = d.devId();
    lastOrigin = -1;
    context = Context.DEVICE;
  }

  private void def(XmlAttributes a) throws XmlFormatException {
    String name = a.text("name");
    a.rejectUnknown();
    if (defs.containsKey(name)) {
      throw error("duplicate <def name=\"" + XmlAttributes.abbreviate(name) + "\">");
    }
    defName = name;
    openDef = new MappingRuns();
    context = Context.DEF;
  }

  private void ref(XmlAttributes a) throws IOException {
    String name = a.text("name");
    a.rejectUnknown();
    MappingRuns runs = defs.get(name);
    String shown = "<ref name=\"" + XmlAttributes.abbreviate(name) + "\">";
    if (runs == null) {
      throw error(shown + " names no earlier <def>");
    }
    if (runs.firstOrigin() >= 0) {
      requireAscending(runs.firstOrigin(), lastOrigin, shown, "device " + devId);
      runs.replay(sink);
      lastOrigin = runs.lastOrigin();
    }
    enterLeaf("ref");
  }

  private void deviceMapping(Run r) throws IOException {
    requireAscending(r.origin(), lastOrigin, "<" + leafElement + ">", "device " + devId);
    for (long i = 0; i < r.length(); i++) {
      sink.mapping(r.origin() + i, r.data() + i, r.time());
    }
    lastOrigin = r.origin() + r.length() - 1;
  }

  private void defMapping(Run r) throws XmlFormatException {
    String where = "<def name=\"" + XmlAttributes.abbreviate(defName) + "\">";
    requireAscending(r.origin(), openDef.lastOrigin(), "<" + leafElement + ">", where);
    openDef.add(r.origin(), r.data(), r.length(), r.time());
  }

  /** Reads a mapping element and checks that its blocks fit the origin and data ranges. */
  private Run run(String name, XmlAttributes a) throws XmlFormatException {
    Run r;
    if (name.equals("single_mapping")) {
      r = new Run(a.u64("origin_block"), a.u64("data_block"), 1, a.u32("time"));
    } else {
      r = new Run(a.u64("origin_begin"), a.u64("data_begin"), a.u64("length"), a.u32("time"));
      if (r.length() == 0) {
        throw error("<range_mapping> has length 0");
      }
    }
    a.rejectUnknown();
    long max = XmlRestoreReader.MAX_DATA_BLOCKS;
    if (r.length() > max || r.data() > max - r.length()) {
      throw error("<" + name + "> maps data blocks beyond the 40-bit limit " + (max - 1));
    }
    if (r.origin() > Long.MAX_VALUE - (r.length() - 1)) {
      throw error("<" + name + "> maps origin blocks beyond " + Long.MAX_VALUE);
    }
    enterLeaf(name);
    return r;
  }

  private void requireAscending(long origin, long previous, String what, String where)
      throws XmlFormatException {
    if (origin <= previous) {
      throw error(
          what
              + " origin block "
              + origin
              + " is not above the previous mapping's "
              + previous
              + " in "
              + where);
    }
  }

  private void enterLeaf(String name) {
    leafParent = context;
    leafElement = name;
    context = Context.LEAF;
  }

  private void require(boolean allowed, String name) throws XmlFormatException {
    if (allowed) {
      return;
    }
    String shown = XmlAttributes.abbreviate(name);
    if (!KNOWN.contains(name)) {
      throw error("unknown element <" + shown + ">");
    }
    String where =
        switch (context) {
          case DOCUMENT -> "as the root element";
          case SUPERBLOCK -> "inside <superblock>";
          case DEVICE -> "inside <device>";
          case DEF -> "inside <def>";
          case LEAF -> "inside <" + leafElement + ">";
          case DONE -> "after </superblock>";
        };
    throw error("<" + shown + "> not allowed " + where);
  }

  private void text() throws XmlFormatException {
    char[] chars = reader.getTextCharacters();
    int end = reader.getTextStart() + reader.getTextLength();
    for (int i = reader.getTextStart(); i < end; i++) {
      char c = chars[i];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        String shown = XmlAttributes.abbreviate(reader.getText().strip());
        throw error("unexpected text \"" + shown + "\"");
      }
    }
  }

  private int line() {
    return reader.getLocation().getLineNumber();
  }

  private XmlFormatException error(String reason) {
    return new XmlFormatException(line(), reason);
  }
}

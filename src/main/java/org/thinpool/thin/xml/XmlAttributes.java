package org.thinpool.thin.xml;

import javax.xml.stream.XMLStreamReader;
import org.thinpool.thin.SuperblockInfo;

/**
 * The attributes of one start tag, read by name with range checks. Every attribute must be asked
 * for exactly once; {@link #rejectUnknown()} then reports the first one nobody asked for.
 */
final class XmlAttributes {
  /** Longest decimal text of a u64 (20 digits), plus room for leading zeros. */
  private static final int MAX_DIGITS = 32;

  private final String element;
  private final int lineNumber;
  private final String[] names;
  private final String[] values;
  private final boolean[] used;

  XmlAttributes(XMLStreamReader reader, String element, int lineNumber) {
    this.element = element;
    this.lineNumber = lineNumber;
    int n = reader.getAttributeCount();
    names = new String[n];
    values = new String[n];
    used = new boolean[n];
    for (int i = 0; i < n; i++) {
      names[i] = reader.getAttributeLocalName(i);
      values[i] = reader.getAttributeValue(i);
    }
  }

  /** A required attribute's raw text. */
  String text(String name) throws XmlFormatException {
    int i = indexOf(name);
    if (i < 0) {
      throw error("<" + element + "> is missing attribute " + name);
    }
    return values[i];
  }

  /** A required unsigned decimal that fits a Java {@code long} (u64 values up to 2^63-1). */
  long u64(String name) throws XmlFormatException {
    return parse(name, text(name), Long.MAX_VALUE);
  }

  /** A required unsigned decimal of at most 32 bits. */
  long u32(String name) throws XmlFormatException {
    return parse(name, text(name), SuperblockInfo.MAX_U32);
  }

  /** An optional unsigned decimal of at most 32 bits, {@code absent} if not given. */
  long optionalU32(String name, long absent) throws XmlFormatException {
    int i = indexOf(name);
    return i < 0 ? absent : parse(name, values[i], SuperblockInfo.MAX_U32);
  }

  /** An optional u64, checked and then ignored (thin_dump 1.x may print it). */
  void ignoreOptionalU64(String name) throws XmlFormatException {
    int i = indexOf(name);
    if (i >= 0) {
      parse(name, values[i], Long.MAX_VALUE);
    }
  }

  /** Fails on the first attribute that no getter asked for. */
  void rejectUnknown() throws XmlFormatException {
    for (int i = 0; i < names.length; i++) {
      if (!used[i]) {
        throw error("unknown attribute " + names[i] + " on <" + element + ">");
      }
    }
  }

  XmlFormatException error(String reason) {
    return new XmlFormatException(lineNumber, reason);
  }

  private int indexOf(String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        used[i] = true;
        return i;
      }
    }
    return -1;
  }

  private long parse(String name, String text, long max) throws XmlFormatException {
    String shown = name + "=\"" + abbreviate(text) + "\" of <" + element + ">";
    if (text.isEmpty() || text.length() > MAX_DIGITS) {
      throw error(shown + " is not an unsigned decimal number");
    }
    long value = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        throw error(shown + " is not an unsigned decimal number");
      }
      int digit = c - '0';
      if (value > (max - digit) / 10) {
        throw error(shown + " is larger than " + max);
      }
      value = value * 10 + digit;
    }
    return value;
  }

  /** Keeps error messages on one short line whatever the input holds. */
  static String abbreviate(String text) {
    String s = text.length() > 40 ? text.substring(0, 40) + "..." : text;
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }
}

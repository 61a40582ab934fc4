package org.thinpool.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One JSON object of a command's {@code --json} output: keys in insertion order. A top-level object
 * starts with {@code "version"}, the schema version of docs/cli-json.md, so scripts can refuse a
 * schema they do not know. Only longs, strings, booleans, null, nested objects and arrays of
 * objects: all the commands need.
 */
final class JsonOutput {
  /**
   * The schema version of every command's output. Bumped only when a key is removed or changes
   * meaning or type; new keys may appear within a version.
   */
  static final long SCHEMA_VERSION = 1;

  private final Map<String, Object> fields = new LinkedHashMap<>();

  private JsonOutput() {}

  /** A command's whole output: {@code {"version": 1, ...}}. */
  static JsonOutput document() {
    return new JsonOutput().put("version", SCHEMA_VERSION);
  }

  /** An object nested in a document (an array element). */
  static JsonOutput nested() {
    return new JsonOutput();
  }

  JsonOutput put(String key, long value) {
    return putValue(key, value);
  }

  JsonOutput put(String key, boolean value) {
    return putValue(key, value);
  }

  /** A string, or null when {@code value} is null. */
  JsonOutput put(String key, String value) {
    return putValue(key, value);
  }

  JsonOutput putNull(String key) {
    return putValue(key, null);
  }

  JsonOutput put(String key, List<JsonOutput> objects) {
    return putValue(key, List.copyOf(objects));
  }

  JsonOutput put(String key, JsonOutput object) {
    return putValue(key, object);
  }

  private JsonOutput putValue(String key, Object value) {
    if (fields.containsKey(key)) {
      throw new AssertionError("duplicate JSON key " + key);
    }
    fields.put(key, value);
    return this;
  }

  /**
   * The object, one key per line, ending with a newline; an object in an array takes one line of
   * its own (one line per device, per problem: easy to grep as well as to parse).
   */
  String render() {
    StringBuilder out = new StringBuilder();
    write(out, 0);
    return out.append('\n').toString();
  }

  private void write(StringBuilder out, int indent) {
    if (fields.isEmpty()) {
      out.append("{}");
      return;
    }
    out.append("{\n");
    List<String> keys = new ArrayList<>(fields.keySet());
    for (int i = 0; i < keys.size(); i++) {
      pad(out, indent + 2).append(quote(keys.get(i))).append(": ");
      writeValue(out, fields.get(keys.get(i)), indent + 2);
      out.append(i + 1 < keys.size() ? ",\n" : "\n");
    }
    pad(out, indent).append('}');
  }

  private void writeInline(StringBuilder out) {
    out.append('{');
    String separator = "";
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      out.append(separator).append(quote(e.getKey())).append(": ");
      writeValue(out, e.getValue(), -1);
      separator = ", ";
    }
    out.append('}');
  }

  private static void writeValue(StringBuilder out, Object value, int indent) {
    switch (value) {
      case null -> out.append("null");
      case String s -> out.append(quote(s));
      case Long n -> out.append(n.longValue());
      case Boolean b -> out.append(b.booleanValue());
      case JsonOutput o when indent < 0 -> o.writeInline(out);
      case JsonOutput o -> o.write(out, indent);
      case List<?> list -> writeArray(out, list, indent);
      default -> throw new AssertionError("not a JSON value: " + value.getClass());
    }
  }

  private static void writeArray(StringBuilder out, List<?> list, int indent) {
    if (list.isEmpty()) {
      out.append("[]");
      return;
    }
    if (indent < 0) {
      throw new AssertionError("arrays nest only in a top-level object");
    }
    out.append("[\n");
    for (int i = 0; i < list.size(); i++) {
      pad(out, indent + 2);
      writeValue(out, list.get(i), -1);
      out.append(i + 1 < list.size() ? ",\n" : "\n");
    }
    pad(out, indent).append(']');
  }

  private static StringBuilder pad(StringBuilder out, int indent) {
    return out.repeat(' ', indent);
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}

package org.thinpool.snapshotter;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The checks every key, name and label set goes through before anything is changed. */
final class Limits {
  private Limits() {}

  /**
   * A key or name: not empty, at most {@link Snapshotter#MAX_KEY_BYTES} bytes of UTF-8, no NUL.
   * Path-like keys ("../x", "/a/b") are fine: a key never becomes a file name.
   */
  static void checkKey(String what, String key) throws SnapshotterException {
    if (key.isEmpty()) {
      throw SnapshotterException.invalidArgument("snapshot " + what + " is empty");
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > Snapshotter.MAX_KEY_BYTES) {
      throw SnapshotterException.invalidArgument(
          "snapshot "
              + what
              + " of "
              + bytes
              + " bytes is longer than "
              + Snapshotter.MAX_KEY_BYTES);
    }
    if (key.indexOf('\0') >= 0) {
      throw SnapshotterException.invalidArgument("snapshot " + what + " contains NUL");
    }
  }

  /** containerd's label rule (key and value together at most 4096 bytes), and a count bound. */
  static void checkLabels(Map<String, String> labels) throws SnapshotterException {
    if (labels.size() > Snapshotter.MAX_LABELS) {
      throw SnapshotterException.invalidArgument(
          labels.size() + " labels: at most " + Snapshotter.MAX_LABELS);
    }
    for (Map.Entry<String, String> e : labels.entrySet()) {
      if (e.getKey().isEmpty()) {
        throw SnapshotterException.invalidArgument("label key is empty");
      }
      int bytes =
          e.getKey().getBytes(StandardCharsets.UTF_8).length
              + e.getValue().getBytes(StandardCharsets.UTF_8).length;
      if (bytes > Snapshotter.MAX_LABEL_BYTES) {
        throw SnapshotterException.invalidArgument(
            "label key and value greater than maximum size ("
                + Snapshotter.MAX_LABEL_BYTES
                + " bytes), key: "
                + e.getKey().substring(0, Math.min(64, e.getKey().length())));
      }
    }
  }
}

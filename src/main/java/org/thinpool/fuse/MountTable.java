package org.thinpool.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mounts of this process's namespace, from {@code /proc/self/mountinfo}: to find a mount left
 * on our mount point by a server that was killed (its file system answers nothing, "transport
 * endpoint is not connected") and to check that close left none. Parsing is pure and tested on its
 * own.
 */
final class MountTable {
  /** FUSE file systems carry their subtype in the type: ours is {@code fuse.thinpool}. */
  static final String FS_TYPE = "fuse.thinpool";

  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  private MountTable() {}

  /** One line of mountinfo: where, and what type. */
  record Mount(Path mountPoint, String fsType) {}

  static List<Mount> read() throws IOException {
    return parse(Files.readString(MOUNTINFO, StandardCharsets.UTF_8));
  }

  /** The mounts on {@code mountPoint}, oldest first (later ones stack on top). */
  static List<Mount> at(Path mountPoint) throws IOException {
    Path p = mountPoint.toAbsolutePath().normalize();
    return read().stream().filter(m -> m.mountPoint().equals(p)).toList();
  }

  /**
   * Parses mountinfo: "id parent major:minor root mountpoint options [optional...] - type source
   * superoptions"; the mount point's spaces and other specials are octal escapes (\040).
   */
  static List<Mount> parse(String text) {
    List<Mount> mounts = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      String[] f = line.trim().split(" ");
      int dash = List.of(f).indexOf("-");
      if (f.length < 5 || dash < 6 || dash + 1 >= f.length) {
        continue;
      }
      mounts.add(new Mount(Path.of(unescape(f[4])), f[dash + 1]));
    }
    return mounts;
  }

  static String unescape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && isOctal(s, i + 1)) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }
}

package org.thinpool.pool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.thinpool.io.PoolStateException;

/**
 * The virtual sizes of thin devices, which dm-thin metadata does not keep, in {@code DIR/sizes}.
 *
 * <p>Consistency with the metadata through a crash, as LVM does it with the transaction id: every
 * change of sizes is a metadata transaction that moves the user-space transaction id from T to
 * T + 1. Before that metadata commit, the file is replaced (atomically) by one holding both
 * generations, T and T + 1. After a crash the metadata is at T or at T + 1, and the reader takes
 * the generation of exactly that id. If there is none (the metadata was restored from XML or
 * moved on by another tool), it takes the newest generation below it; devices it does not name
 * are adopted by the pool.
 *
 * <pre>
 * thinpool-sizes 1
 * transaction T
 * ID SIZE_BYTES          one line per device, ascending id
 * end
 * transaction T+1
 * ...
 * end
 * </pre>
 */
final class SizeTable {
  static final String FILE_NAME = "sizes";
  private static final String HEADER = "thinpool-sizes 1";

  private SizeTable() {}

  /** Writes the two generations, {@code previous} at T and {@code next} at T + 1. */
  static void store(Path dir, long previousTid, Map<Long, Long> previous, long nextTid,
      Map<Long, Long> next) throws IOException {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    appendGeneration(sb, previousTid, previous);
    appendGeneration(sb, nextTid, next);
    AtomicFiles.replace(dir.resolve(FILE_NAME), sb.toString());
  }

  private static void appendGeneration(StringBuilder sb, long tid, Map<Long, Long> sizes) {
    sb.append("transaction ").append(tid).append('\n');
    new TreeMap<>(sizes).forEach((id, size) -> sb.append(id).append(' ').append(size).append('\n'));
    sb.append("end\n");
  }

  /**
   * The sizes of transaction {@code tid}, else of the newest generation below it, else an empty
   * map (no file, or only generations from the future).
   */
  static Map<Long, Long> load(Path dir, long tid) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Map.of();
    }
    if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
      throw damaged(file, "missing header '" + HEADER + "'");
    }
    TreeMap<Long, Map<Long, Long>> generations = parse(file, lines);
    Map.Entry<Long, Map<Long, Long>> best = generations.floorEntry(tid);
    return best == null ? Map.of() : Collections.unmodifiableMap(best.getValue());
  }

  private static TreeMap<Long, Map<Long, Long>> parse(Path file, List<String> lines)
      throws PoolStateException {
    TreeMap<Long, Map<Long, Long>> generations = new TreeMap<>();
    Map<Long, Long> current = null;
    long currentTid = -1;
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).trim().split(" ");
      try {
        if (current == null && f.length == 2 && f[0].equals("transaction")) {
          currentTid = Long.parseLong(f[1]);
          current = new TreeMap<>();
        } else if (current != null && f.length == 1 && f[0].equals("end")) {
          generations.put(currentTid, current);
          current = null;
        } else if (current != null && f.length == 2) {
          current.put(Long.parseLong(f[0]), Long.parseLong(f[1]));
        } else {
          throw damaged(file, "line " + (i + 1) + " is '" + lines.get(i) + "'");
        }
      } catch (NumberFormatException e) {
        throw damaged(file, "line " + (i + 1) + " is '" + lines.get(i) + "'");
      }
    }
    if (current != null) {
      throw damaged(file, "generation " + currentTid + " has no 'end'");
    }
    return generations;
  }

  private static PoolStateException damaged(Path file, String why) {
    return new PoolStateException("thin device sizes file " + file + " is damaged: " + why);
  }
}

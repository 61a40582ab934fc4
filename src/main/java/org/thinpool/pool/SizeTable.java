package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.thinpool.thin.SuperblockInfo;

/**
 * The virtual sizes of thin devices, which dm-thin metadata does not keep, in {@code DIR/sizes}.
 *
 * <p>Consistency with the metadata through a crash, as LVM does it with the transaction id: every
 * change of sizes is a metadata transaction that moves the user-space transaction id from T to T +
 * 1. Before that metadata commit, the generations T and T + 1 are made durable in the file. After a
 * crash the metadata is at T or at T + 1, and the reader takes the generation of exactly that id
 * (the last record of it in the file). If there is none (the metadata was restored from XML or
 * moved on by another tool), it takes the newest generation below it; devices it does not name are
 * adopted by the pool.
 *
 * <p>Durability at the cost of one fsync: the two generations are appended to the file and the file
 * is fdatasynced. A crash during an append leaves a torn tail: lines after the last {@code end}
 * line. The reader ignores it (its generations were never committed: the metadata commit comes
 * after the fsync), and the next store rewrites the file instead of appending. Once the file
 * reaches {@link #REWRITE_AT_BYTES} it is also rewritten, with only the two new generations, by
 * {@link AtomicFiles#replace} (temporary file, fsync, rename, fsync of the directory), as is a
 * missing file.
 *
 * <pre>
 * thinpool-sizes 1
 * transaction T
 * ID SIZE_BYTES          one line per device, ascending id
 * end
 * transaction T+1
 * ...
 * end
 * ...                    later appends: more pairs of generations
 * </pre>
 */
final class SizeTable {
  static final String FILE_NAME = "sizes";
  private static final String HEADER = "thinpool-sizes 1";

  /**
   * Appends stop and the file is rewritten at this size: reading it on open stays instant, and a
   * pool with many devices (about 20 bytes per device and generation) rewrites every few changes.
   */
  static final long REWRITE_AT_BYTES = 64 << 10;

  private static final byte[] END_LINE = "end\n".getBytes(StandardCharsets.UTF_8);
  private static final String WHAT = "thin device sizes file";

  /** dm-thin's thin ids are 24 bits. */
  private static final long MAX_THIN_ID = (1L << 24) - 1;

  private SizeTable() {}

  /** Makes the two generations durable, {@code previous} at T and {@code next} at T + 1. */
  static void store(
      Path dir, long previousTid, Map<Long, Long> previous, long nextTid, Map<Long, Long> next)
      throws IOException {
    StringBuilder sb = new StringBuilder();
    appendGeneration(sb, previousTid, previous);
    appendGeneration(sb, nextTid, next);
    byte[] generations = sb.toString().getBytes(StandardCharsets.UTF_8);
    Path file = dir.resolve(FILE_NAME);
    if (!tryAppend(file, generations)) {
      AtomicFiles.replace(file, HEADER + "\n" + sb);
    }
  }

  /** Writes a new file at {@code file} with one generation and fsyncs it (no rename). */
  static void writeWhole(Path file, long tid, Map<Long, Long> sizes) throws IOException {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    appendGeneration(sb, tid, sizes);
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
  }

  /** Appends and fdatasyncs if the file exists, ends with a whole generation and has room. */
  private static boolean tryAppend(Path file, byte[] generations) throws IOException {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long end = ch.size();
      if (end + generations.length > REWRITE_AT_BYTES || !endsWithWholeGeneration(ch, end)) {
        return false;
      }
      ByteBuffer b = ByteBuffer.wrap(generations);
      long pos = end;
      while (b.hasRemaining()) {
        pos += ch.write(b, pos);
      }
      ch.force(false); // fdatasync: the data and the new file size
      return true;
    }
  }

  private static boolean endsWithWholeGeneration(FileChannel ch, long end) throws IOException {
    int headerBytes = HEADER.length() + 1;
    if (end < headerBytes + END_LINE.length) {
      return false;
    }
    ByteBuffer head = ByteBuffer.allocate(headerBytes);
    ByteBuffer tail = ByteBuffer.allocate(END_LINE.length);
    readFully(ch, 0, head);
    readFully(ch, end - END_LINE.length, tail);
    return new String(head.array(), StandardCharsets.UTF_8).equals(HEADER + "\n")
        && (end == headerBytes || java.util.Arrays.equals(tail.array(), END_LINE));
  }

  private static void readFully(FileChannel ch, long pos, ByteBuffer dst) throws IOException {
    long p = pos;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, p);
      if (n < 0) {
        return;
      }
      p += n;
    }
  }

  private static void appendGeneration(StringBuilder sb, long tid, Map<Long, Long> sizes) {
    sb.append("transaction ").append(tid).append('\n');
    new TreeMap<>(sizes).forEach((id, size) -> sb.append(id).append(' ').append(size).append('\n'));
    sb.append("end\n");
  }

  /**
   * The sizes of transaction {@code tid}, else of the newest generation below it, else an empty map
   * (no file, or only generations from the future).
   *
   * <p>Strict: every whole line must be what {@link #store} writes (ascending device ids below
   * 2^24, sizes a multiple of 512 up to {@link ThinPool#MAX_THIN_SIZE_BYTES}), else an error naming
   * the line. A torn tail after the last {@code end} is what a crash during an append leaves, and
   * then the generation of exactly {@code tid} is before it (the metadata commit waits for the
   * append's fsync); a torn tail without that generation is a truncated or damaged file, refused
   * rather than read as older, smaller sizes.
   */
  static Map<Long, Long> load(Path dir, long tid) throws IOException {
    Path file = PoolRestore.sizesFile(dir);
    if (!Files.exists(file)) {
      return Map.of();
    }
    byte[] bytes = ConfigText.readBounded(file, WHAT);
    List<String> lines = new ArrayList<>();
    int start = 0;
    int wholeEnd = 0;
    int wholeLines = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        lines.add(new String(bytes, start, i - start, StandardCharsets.ISO_8859_1));
        start = i + 1;
        if (lines.size() == 1 || lines.getLast().equals("end")) {
          wholeEnd = start;
          wholeLines = lines.size();
        }
      }
    }
    if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
      throw damaged(file, "line 1 is not the header '" + HEADER + "'");
    }
    TreeMap<Long, Map<Long, Long>> generations = parse(file, lines.subList(0, wholeLines));
    if (wholeEnd < bytes.length && !generations.containsKey(tid)) {
      throw damaged(
          file,
          "line "
              + (wholeLines + 1)
              + " starts a generation cut short, and "
              + "there is no whole generation for the metadata's transaction "
              + tid
              + " (a truncated file?)");
    }
    Map.Entry<Long, Map<Long, Long>> best = generations.floorEntry(tid);
    return best == null ? Map.of() : Collections.unmodifiableMap(best.getValue());
  }

  private static TreeMap<Long, Map<Long, Long>> parse(Path file, List<String> lines)
      throws PoolStateException {
    TreeMap<Long, Map<Long, Long>> generations = new TreeMap<>();
    TreeMap<Long, Long> current = null;
    long currentTid = -1;
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      String[] f = line.split(" ", -1);
      if (current == null && f.length == 2 && f[0].equals("transaction")) {
        currentTid = number(file, i, f[1], 0, Long.MAX_VALUE, "transaction id");
        current = new TreeMap<>();
      } else if (current != null && line.equals("end")) {
        generations.put(currentTid, current); // a later record of a tid replaces an earlier
        current = null;
      } else if (current != null && f.length == 2) {
        long id = number(file, i, f[0], 0, MAX_THIN_ID, "thin id");
        long size = number(file, i, f[1], 0, ThinPool.MAX_THIN_SIZE_BYTES, "size");
        if (size % SuperblockInfo.SECTOR_BYTES != 0) {
          throw damaged(file, "line " + (i + 1) + ": size " + size + " is not a multiple of 512");
        }
        if (!current.isEmpty() && current.lastKey() >= id) {
          throw damaged(file, "line " + (i + 1) + ": thin id " + id + " is out of order");
        }
        current.put(id, size);
      } else {
        throw damaged(file, "line " + (i + 1) + " is '" + printable(line) + "'");
      }
    }
    return generations;
  }

  private static long number(Path file, int i, String s, long min, long max, String what)
      throws PoolStateException {
    long n;
    try {
      n = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw damaged(
          file, "line " + (i + 1) + ": " + what + " '" + printable(s) + "' is not a number");
    }
    if (n < min || n > max || !s.equals(Long.toString(n))) {
      throw damaged(
          file, "line " + (i + 1) + ": " + what + " " + s + " is out of range " + min + ".." + max);
    }
    return n;
  }

  /** At most 40 characters, control bytes and non-ASCII as '?', for a one-line message. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(s.length(), 40); i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return s.length() > 40 ? b + "..." : b.toString();
  }

  private static PoolStateException damaged(Path file, String why) {
    return new PoolStateException("thin device sizes file " + file + " is damaged: " + why);
  }
}

package org.thinpool.snapshotter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collection;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The append-only records file (layout in {@link RecordCodec}). {@link #append} returns once the
 * entry is on disk (fdatasync), so each change costs one small write and one sync however many
 * snapshots there are; {@link #compact} rewrites the live records into a new file switched in by a
 * rename once the dead entries outnumber them. Not thread-safe: the snapshotter serializes changes.
 */
final class RecordLog implements AutoCloseable {
  /** Compact when the file holds this many entries more than twice the live records. */
  static final int COMPACT_SLACK_ENTRIES = 256;

  private final Path file;
  private FileChannel channel;
  private long entries;

  private Optional<BaseDevice> base;

  private RecordLog(Path file, FileChannel channel, long entries, Optional<BaseDevice> base) {
    this.file = file;
    this.channel = channel;
    this.entries = entries;
    this.base = base;
  }

  /** Opens (creating if missing) the records file and replays it into {@code into}. */
  static RecordLog open(Path file, TreeMap<String, SnapshotRecord> into) throws IOException {
    if (!Files.exists(file)) {
      writeFresh(file, Optional.empty(), into.values());
    }
    Optional<BaseDevice> base = replay(file, into);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
    ch.position(ch.size());
    return new RecordLog(file, ch, into.size() + 1L, base);
  }

  Optional<BaseDevice> base() {
    return base;
  }

  void appendBase(BaseDevice b) throws IOException {
    write(RecordCodec.encodeBase(b));
    base = Optional.of(b);
  }

  void append(RecordChange change) throws IOException {
    write(RecordCodec.encodeChange(change));
  }

  /** Whether {@link #compact} is due for {@code liveRecords} records. */
  boolean compactionDue(int liveRecords) {
    return entries > 2L * liveRecords + COMPACT_SLACK_ENTRIES;
  }

  /** Replaces the file by one holding only {@code live}; a crash leaves the old or the new file. */
  void compact(Collection<SnapshotRecord> live) throws IOException {
    channel.close();
    writeFresh(file, base, live);
    channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
    channel.position(channel.size());
    entries = live.size() + 1L;
  }

  private void write(byte[] entry) throws IOException {
    long at = channel.position();
    ByteBuffer b = ByteBuffer.wrap(entry);
    try {
      while (b.hasRemaining()) {
        channel.write(b);
      }
      channel.force(false);
    } catch (IOException e) {
      channel.truncate(at); // best effort: a half entry would only be dropped at replay anyway
      channel.position(at);
      throw e;
    }
    entries++;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  private static void writeFresh(
      Path file, Optional<BaseDevice> base, Collection<SnapshotRecord> live) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      writeAll(ch, RecordCodec.MAGIC);
      if (base.isPresent()) {
        writeAll(ch, RecordCodec.encodeBase(base.get()));
      }
      for (SnapshotRecord r : live) {
        writeAll(ch, RecordCodec.encodeChange(RecordChange.put(r)));
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent())) {
      dir.force(true);
    }
  }

  private static void writeAll(FileChannel ch, byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static Optional<BaseDevice> replay(Path file, TreeMap<String, SnapshotRecord> into)
      throws IOException {
    Optional<BaseDevice> base = Optional.empty();
    ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file));
    byte[] magic = new byte[RecordCodec.MAGIC.length];
    if (all.remaining() < magic.length) {
      throw new IOException(file + ": not a snapshot records file (too short)");
    }
    all.get(magic);
    if (!Arrays.equals(magic, RecordCodec.MAGIC)) {
      throw new IOException(file + ": not a snapshot records file (bad magic)");
    }
    while (all.hasRemaining()) {
      long at = all.position();
      ByteBuffer payload = nextPayload(all, file);
      if (payload == null) {
        truncateTornTail(file, at);
        break;
      }
      Object entry = RecordCodec.decode(payload);
      if (entry instanceof BaseDevice b) {
        base = Optional.of(b);
      } else if (entry instanceof RecordChange c) {
        apply(into, c);
      }
    }
    return base;
  }

  /** Applies a change to the in-memory records (replay and the live path share this). */
  static void apply(TreeMap<String, SnapshotRecord> records, RecordChange c) {
    for (String n : c.removed()) {
      records.remove(n);
    }
    for (SnapshotRecord r : c.put()) {
      records.put(r.name(), r);
    }
  }

  /**
   * The next entry's payload, or null if the rest of the file is a torn last entry (short, or a
   * checksum mismatch with nothing after it). A damaged entry with entries after it is not a torn
   * append: refused, so that no record is silently lost.
   */
  private static ByteBuffer nextPayload(ByteBuffer all, Path file) throws IOException {
    if (all.remaining() < RecordCodec.ENTRY_HEADER_BYTES) {
      return null;
    }
    int n = all.getInt();
    int crc = all.getInt();
    if (n < 0 || n > RecordCodec.MAX_ENTRY_BYTES || n > all.remaining()) {
      return null;
    }
    ByteBuffer payload = all.slice(all.position(), n);
    all.position(all.position() + n);
    if (RecordCodec.crc(payload) != crc) {
      if (all.hasRemaining()) {
        throw new IOException(
            file + ": damaged snapshot record entry before offset " + all.position());
      }
      return null;
    }
    return payload;
  }

  private static void truncateTornTail(Path file, long at) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(at);
      ch.force(true);
    }
  }
}

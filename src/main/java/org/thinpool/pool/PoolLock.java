package org.thinpool.pool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.thinpool.io.DeviceIoException;
import org.thinpool.io.DirectoryLock;
import org.thinpool.io.FileRecordLock;

/**
 * The lock on a pool: one process writes the pool, and read-only commands (thin ls, status, check,
 * dump) read its committed metadata while no writer has it open. A writer never starts under a
 * reader; readers do not exclude each other.
 *
 * <ul>
 *   <li>A writer takes a {@link DirectoryLock} ({@code flock} on the directory itself) against any
 *       other writer: deleting or replacing {@code DIR/lock}, or renaming another metadata file
 *       over {@code DIR/metadata}, does not let a second writer in. It also takes the exclusive
 *       {@link FileRecordLock} on the metadata (the file or its device), against readers; a
 *       metadata file it renames into place (create, restore) is locked before the rename.
 *   <li>A reader takes the shared {@link FileRecordLock} on the metadata: a plain JDK file lock, so
 *       the short read-only commands link no native call (the first FFM downcall of a process costs
 *       more than the whole command otherwise). It must not close another fd of the metadata until
 *       it has finished reading (a classic POSIX lock drops with any close of its file).
 * </ul>
 *
 * <p>{@code DIR/lock} is only a note: the writer's pid, for the message another opener prints. It
 * is never deleted (a stale note is harmless: it is only read while the lock is held).
 */
final class PoolLock implements Closeable {
  static final String FILE_NAME = "lock";

  /** A pid is at most 7 digits on Linux (pid_max <= 4 194 304); a longer note is not a pid. */
  private static final int MAX_PID_CHARS = 16;

  private final Path dir;

  /** The writer's flock on the directory; null for a reader. */
  private final DirectoryLock writer;

  /** Locks on metadata files: a reader's one, a writer's (a second while restore switches). */
  private final List<FileRecordLock> metadataLocks = new ArrayList<>();

  private PoolLock(Path dir, DirectoryLock writer) {
    this.dir = dir;
    this.writer = writer;
  }

  /**
   * Takes the writer's lock or fails with "pool DIR is in use by process N" (another writer) or
   * "being read by another command" (readers). A pool with no metadata yet (one being created or
   * restored) gets the metadata's lock through {@link #excludeReaders} before it is renamed in.
   */
  static PoolLock acquire(Path dir) throws IOException {
    DirectoryLock l = DirectoryLock.tryLock(requireDirectory(dir));
    if (l == null) {
      throw inUse(dir);
    }
    PoolLock lock = new PoolLock(dir, l);
    try {
      Path meta = PoolSettings.load(dir).metadataPath(dir);
      if (Files.exists(meta)) {
        lock.excludeReaders(meta);
      }
      writeNote(dir);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
    return lock;
  }

  /**
   * Takes a reader's lock (other readers may hold it too) or fails with "pool DIR is in use by
   * process N"; fails with "no pool at DIR" if its metadata is missing.
   */
  static PoolLock acquireShared(Path dir) throws IOException {
    Path meta = PoolSettings.load(requireDirectory(dir)).metadataPath(dir);
    if (!Files.exists(meta)) {
      throw new PoolStateException("no pool at " + dir + " (missing " + meta + ")");
    }
    FileRecordLock r = FileRecordLock.tryShared(meta);
    if (r == null) {
      throw inUse(dir);
    }
    PoolLock lock = new PoolLock(dir, null);
    lock.metadataLocks.add(r);
    return lock;
  }

  /**
   * The writer's lock on {@code metadata} too, a file it is about to rename into place (or the
   * pool's metadata): readers are refused from its first byte. Fails with "being read by another
   * command" if a reader holds it.
   */
  void excludeReaders(Path metadata) throws IOException {
    if (writer == null) {
      throw new AssertionError("a reader's lock cannot exclude readers");
    }
    FileRecordLock r = FileRecordLock.tryExclusive(metadata);
    if (r == null) {
      throw readersOrOtherWriter(metadata);
    }
    metadataLocks.add(r);
  }

  /**
   * Why the metadata's writer's lock was refused: readers hold it, or the writer of another pool
   * folder naming the same metadata device (direct mode), which this folder's lock cannot see.
   */
  private IOException readersOrOtherWriter(Path metadata) throws IOException {
    try (FileRecordLock probe = FileRecordLock.tryShared(metadata)) {
      if (probe == null) {
        return new DeviceIoException(
            "cannot lock "
                + metadata
                + ": busy (the metadata of a pool another process has open, "
                + "through another folder)");
      }
    }
    return new PoolStateException(
        "pool "
            + dir
            + " is being read by another command "
            + "(check, dump, thin ls, status); try again when it has finished");
  }

  private static Path requireDirectory(Path dir) throws PoolStateException {
    if (!Files.isDirectory(dir)) {
      throw new PoolStateException("no pool at " + dir + " (not a directory)");
    }
    return dir;
  }

  /** The note, written beside and renamed over, so a reader sees a whole pid or the old one. */
  private static void writeNote(Path dir) throws IOException {
    long pid = ProcessHandle.current().pid();
    Path tmp = dir.resolve(FILE_NAME + ".tmp-" + pid);
    Files.writeString(tmp, pid + "\n", StandardCharsets.US_ASCII);
    Files.move(
        tmp,
        dir.resolve(FILE_NAME),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private static PoolStateException inUse(Path dir) {
    return new PoolStateException("pool " + dir + " is in use by process " + owner(dir));
  }

  /** The pid in the note, or "(unknown)" if it is missing or not a pid. */
  static String owner(Path dir) {
    try {
      String s = Files.readString(dir.resolve(FILE_NAME), StandardCharsets.US_ASCII).trim();
      return !s.isEmpty() && s.length() <= MAX_PID_CHARS && s.chars().allMatch(Character::isDigit)
          ? s
          : "(unknown)";
    } catch (NoSuchFileException e) {
      return "(unknown)";
    } catch (IOException | RuntimeException e) {
      return "(unknown)";
    }
  }

  /** Releases the metadata's locks, then the directory's. Idempotent. */
  @Override
  public void close() throws IOException {
    try {
      for (FileRecordLock r : metadataLocks) {
        r.close();
      }
    } finally {
      if (writer != null) {
        writer.close();
      }
    }
  }
}

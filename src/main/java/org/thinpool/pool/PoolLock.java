package org.thinpool.pool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.thinpool.io.DirectoryLock;

/**
 * The lock on a pool directory: a {@link DirectoryLock} ({@code flock} on the directory itself),
 * exclusive for the one process that writes the pool, shared for read-only commands, so that a
 * reader never walks metadata a writer is changing and a writer never starts under a reader.
 *
 * <p>The lock is on the directory, not on a file in it: deleting or replacing {@code DIR/lock}, or
 * renaming another metadata file over {@code DIR/metadata}, does not let a second writer in. {@code
 * DIR/lock} is only a note: the writer's pid, for the message another opener prints. It is never
 * deleted (a stale note is harmless: it is only read while the lock is held).
 */
final class PoolLock implements Closeable {
  static final String FILE_NAME = "lock";

  /** A pid is at most 7 digits on Linux (pid_max <= 4 194 304); a longer note is not a pid. */
  private static final int MAX_PID_CHARS = 16;

  private final DirectoryLock lock;

  private PoolLock(DirectoryLock lock) {
    this.lock = lock;
  }

  /** Takes the writer's lock or fails with "pool DIR is in use by process N". */
  static PoolLock acquire(Path dir) throws IOException {
    DirectoryLock l = DirectoryLock.tryLock(requireDirectory(dir), false);
    if (l == null) {
      throw refused(dir);
    }
    try {
      writeNote(dir);
    } catch (IOException | RuntimeException e) {
      l.close();
      throw e;
    }
    return new PoolLock(l);
  }

  /** Takes a reader's lock (other readers may hold it too) or fails as {@link #acquire}. */
  static PoolLock acquireShared(Path dir) throws IOException {
    DirectoryLock l = DirectoryLock.tryLock(requireDirectory(dir), true);
    if (l == null) {
      throw inUse(dir);
    }
    return new PoolLock(l);
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

  /** Why the writer's lock was refused: a writer holds it, or only readers do. */
  private static PoolStateException refused(Path dir) throws IOException {
    try (DirectoryLock probe = DirectoryLock.tryLock(dir, true)) {
      if (probe != null) {
        return new PoolStateException(
            "pool "
                + dir
                + " is being read by another command "
                + "(check, dump, thin ls); try again when it has finished");
      }
    }
    return inUse(dir);
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

  @Override
  public void close() throws IOException {
    lock.close();
  }
}

package org.thinpool.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * An fcntl record lock over a whole file: exclusive for one writer, shared for readers.
 *
 * <p>The two sides use the two kinds of fcntl lock Linux has, which conflict with each other (man 2
 * fcntl, "Open file description locks"), in one process as between processes:
 *
 * <ul>
 *   <li>{@link #tryExclusive}: an open file description (OFD) lock through an fd of its own, opened
 *       read-write (a write lock needs one). It belongs to that fd alone: other opens and closes of
 *       the file in this process leave it be, and a second one in this process is refused like
 *       another process's. It takes the native calls open, fcntl and close.
 *   <li>{@link #tryShared}: a classic POSIX read lock, the JDK's own {@link FileChannel#tryLock}
 *       (fcntl F_SETLK), so a reader links no native call at all: the first FFM downcall of a
 *       process costs tens of ms of run-time code generation, more than a short read-only command
 *       does otherwise. Classic locks belong to the process: closing <em>any</em> fd of the file
 *       drops them, so a reader holds it while it reads and closes its own opens of the file only
 *       when done. The JDK refuses a second lock of one file in one JVM; the readers of one process
 *       share one lock instead, counted, released by the last, and a writer's attempt in a process
 *       that reads the file is refused before it opens the file.
 * </ul>
 */
public final class FileRecordLock implements AutoCloseable {
  /** The shared locks this JVM holds, by file key (device and inode), with their holder counts. */
  private static final Map<Object, Shared> SHARED = new HashMap<>();

  private final Path file;
  private int fd;
  private Shared shared;

  private FileRecordLock(Path file, int fd, Shared shared) {
    this.file = file;
    this.fd = fd;
    this.shared = shared;
  }

  /** A classic lock held for this JVM's readers of one file. */
  private static final class Shared {
    final Object key;
    final FileChannel channel;
    int holders = 1;

    Shared(Object key, FileChannel channel) {
      this.key = key;
      this.channel = channel;
    }
  }

  /**
   * Takes the writer's lock on {@code file} without waiting; null if a reader or another writer
   * holds a lock on it (in another process, or in this one).
   */
  public static FileRecordLock tryExclusive(Path file) throws IOException {
    Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    synchronized (SHARED) { // no reader of this JVM may start while a refused fd is closed
      if (key != null && SHARED.containsKey(key)) {
        // Refused without an open: closing the fd a refused attempt opens would drop the
        // readers' classic lock for the whole process.
        return null;
      }
      int fd = NativeIo.openLocked(file, NativeIo.O_RDWR, NativeIo::tryOfdWriteLock);
      return fd < 0 ? null : new FileRecordLock(file, fd, null);
    }
  }

  /**
   * Takes a reader's lock on {@code file} without waiting (other readers may hold it too); null if
   * a writer holds the file's lock. Fails if {@code file} cannot be opened for reading.
   */
  public static FileRecordLock tryShared(Path file) throws IOException {
    Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    synchronized (SHARED) {
      Shared held = key != null ? SHARED.get(key) : null;
      if (held != null) {
        held.holders++;
        return new FileRecordLock(file, -1, held);
      }
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
      FileLock lock;
      try {
        lock = ch.tryLock(0, Long.MAX_VALUE, true);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
      if (lock == null) {
        ch.close();
        return null;
      }
      Shared s = new Shared(key != null ? key : new Object(), ch);
      SHARED.put(s.key, s);
      return new FileRecordLock(file, -1, s);
    }
  }

  public Path file() {
    return file;
  }

  /** Releases the lock (a shared one when its last holder in this JVM closes). Idempotent. */
  @Override
  public void close() throws IOException {
    int f;
    synchronized (SHARED) {
      Shared s = shared;
      f = fd;
      shared = null;
      fd = -1;
      if (s != null) {
        if (--s.holders == 0) {
          // Under the monitor: the JDK refuses a new lock of the file until this one is gone.
          SHARED.remove(s.key);
          s.channel.close(); // releases its lock
        }
        return;
      }
    }
    if (f >= 0) {
      NativeIo.closeFd(f);
    }
  }
}

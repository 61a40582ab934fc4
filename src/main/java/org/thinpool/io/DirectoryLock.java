package org.thinpool.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An exclusive {@code flock} on a directory, through an fd of its own ({@code O_RDONLY |
 * O_DIRECTORY}).
 *
 * <p>Why a directory and flock: the lock belongs to the directory's inode, which stays the same
 * whatever happens to the files in it (a deleted or replaced lock file, a metadata file renamed
 * over), and it follows the directory through a rename, so a folder built under a temporary name
 * and renamed into place is locked from its first byte. flock locks belong to the open file
 * description: two opens in one process conflict like two processes (unlike fcntl locks, which one
 * process shares and loses when it closes any fd of the file), and the kernel drops the lock when
 * the process dies, even by SIGKILL.
 *
 * <p>Exclusive: one holder at a time (the pool's writer; readers lock the metadata instead, see
 * {@link FileRecordLock}).
 */
public final class DirectoryLock implements AutoCloseable {
  private final Path dir;
  private int fd;

  private DirectoryLock(Path dir, int fd) {
    this.dir = dir;
    this.fd = fd;
  }

  /**
   * Takes the lock without waiting; null if it is held (by another process, or through another fd
   * of this one). Fails if {@code dir} is not a directory.
   */
  public static DirectoryLock tryLock(Path dir) throws IOException {
    int fd = NativeIo.openLocked(dir, NativeIo.O_RDONLY | NativeIo.O_DIRECTORY, NativeIo::tryFlock);
    return fd < 0 ? null : new DirectoryLock(dir, fd);
  }

  /**
   * Makes the native calls the lock needs ready: their first use generates code (tens of ms of
   * CPU), which a caller can start on another thread before it knows what to lock. Never fails.
   */
  public static void linkNativeCalls() {
    NativeIo.linkLockCalls();
  }

  public Path directory() {
    return dir;
  }

  /** Closing the fd releases the lock. Idempotent. */
  @Override
  public synchronized void close() throws IOException {
    if (fd >= 0) {
      int f = fd;
      fd = -1;
      NativeIo.closeFd(f);
    }
  }
}

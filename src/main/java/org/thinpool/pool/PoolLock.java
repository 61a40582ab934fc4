package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.thinpool.io.PoolStateException;

/**
 * The exclusive lock on a pool directory: an fcntl lock on {@code DIR/lock}, which holds the
 * owner's pid. The kernel drops the lock when the process dies (even by SIGKILL), so a stale
 * file never blocks a new opener; the file itself is never deleted, which would race.
 */
final class PoolLock implements AutoCloseable {
  static final String FILE_NAME = "lock";

  /** A pid is at most 7 digits on Linux (pid_max <= 4 194 304); read a little more. */
  private static final int MAX_PID_BYTES = 32;

  private final FileChannel channel;
  private final FileLock lock;

  private PoolLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock or fails with "pool in use by process N". */
  static PoolLock acquire(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      ch.close();
      throw inUse(dir, ProcessHandle.current().pid());
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      String owner = readOwner(ch);
      ch.close();
      throw inUse(dir, owner);
    }
    try {
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(
          (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      lock.release();
      ch.close();
      throw e;
    }
    return new PoolLock(ch, lock);
  }

  private static String readOwner(FileChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(MAX_PID_BYTES);
    ch.read(buf, 0);
    String s = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).trim();
    return s.isEmpty() ? "(unknown)" : s;
  }

  private static PoolStateException inUse(Path dir, Object pid) {
    return new PoolStateException("pool " + dir + " in use by process " + pid);
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}

package org.thinpool.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A regular file opened for reading that knows where its data is: {@link #nextData} and {@link
 * #nextHole} are {@code lseek(SEEK_DATA)} and {@code lseek(SEEK_HOLE)}, so a reader can skip a hole
 * without reading it. The file system may report a hole as data (never the reverse): a file system
 * without hole support says the whole file is data, and a reader must still accept zeros in a data
 * extent. Where the native call is missing, the whole file is one data extent.
 */
public final class SparseFile implements AutoCloseable {
  private final Path path;
  private final FileChannel channel;
  private final int fd;
  private final long sizeBytes;

  private SparseFile(Path path, FileChannel channel, int fd, long sizeBytes) {
    this.path = path;
    this.channel = channel;
    this.fd = fd;
    this.sizeBytes = sizeBytes;
  }

  /** Opens {@code path} (a regular file) read-only. */
  public static SparseFile open(Path path) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    try {
      int fd = NativeIo.available() ? NativeIo.openFd(path, NativeIo.O_RDONLY) : -1;
      return new SparseFile(path, ch, fd, ch.size());
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** The size when opened, in bytes. */
  public long sizeBytes() {
    return sizeBytes;
  }

  /** The first offset at or after {@code offsetBytes} that holds data, or -1 if none does. */
  public long nextData(long offsetBytes) throws IOException {
    if (offsetBytes >= sizeBytes) {
      return -1;
    }
    return fd < 0 ? offsetBytes : NativeIo.seek(fd, path, offsetBytes, NativeIo.SEEK_DATA);
  }

  /**
   * The first offset at or after {@code offsetBytes} in a hole; the end of the file counts as one,
   * so this is at most {@link #sizeBytes}.
   */
  public long nextHole(long offsetBytes) throws IOException {
    if (offsetBytes >= sizeBytes || fd < 0) {
      return sizeBytes;
    }
    long hole = NativeIo.seek(fd, path, offsetBytes, NativeIo.SEEK_HOLE);
    return hole < 0 ? sizeBytes : Math.min(hole, sizeBytes);
  }

  /** Reads at {@code positionBytes}; returns the bytes read, -1 at the end of the file. */
  public int read(ByteBuffer dst, long positionBytes) throws IOException {
    return channel.read(dst, positionBytes);
  }

  @Override
  public void close() throws IOException {
    try {
      channel.close();
    } finally {
      if (fd >= 0) {
        NativeIo.closeFd(fd);
      }
    }
  }
}

package org.thinpool.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link BlockDevice} on a Linux block device ({@code /dev/sdb1}, {@code /dev/loop3}, an LV):
 * direct mode. Reads and writes go through a {@link FileChannel} (the page cache); {@link #sync} is
 * {@code fsync} of the device, which also flushes its volatile write cache; {@link #discard} is
 * {@code ioctl(BLKDISCARD)}, which a loop device turns into a hole in its backing file.
 *
 * <p>The size comes from {@code ioctl(BLKGETSIZE64)}, the kernel's own answer: what {@link
 * FileChannel#size} reports for a device node is not specified (older JDKs report 0). A block
 * device cannot be grown from here, so {@link #resize} only accepts sizes the device already has.
 * After a discard the range reads as zero only if the device guarantees it (a loop device does);
 * the pool discards only free blocks, which nothing reads before writing them again.
 */
public final class RawBlockDevice implements BlockDevice {
  /** Discards are issued in pieces of at most 1 GiB, so one ioctl never runs for minutes. */
  static final long MAX_DISCARD_BYTES = 1L << 30;

  private final Path path;
  private final FileChannel channel;
  private final int fd;
  private final long sizeBytes;
  private boolean closed;

  private RawBlockDevice(Path path, FileChannel channel, int fd, long sizeBytes) {
    this.path = path;
    this.channel = channel;
    this.fd = fd;
    this.sizeBytes = sizeBytes;
  }

  /** Opens a block device for reading and writing; fails if the path is not one. */
  public static RawBlockDevice open(Path path) throws IOException {
    return open(path, NativeIo.O_RDWR);
  }

  /**
   * Opens a block device for reading and writing with {@code O_EXCL}: the kernel's exclusive claim,
   * held until {@link #close}. It fails (EBUSY) while the device is mounted, used by a
   * device-mapper table (a kernel thin-pool) or claimed by another exclusive open, in this process
   * or any other, so two pools can never write one metadata device.
   */
  public static RawBlockDevice openExclusive(Path path) throws IOException {
    return open(path, NativeIo.O_RDWR | NativeIo.O_EXCL);
  }

  /** Opens a block device read-only; writes and discards fail. */
  public static RawBlockDevice openReadOnly(Path path) throws IOException {
    return open(path, NativeIo.O_RDONLY);
  }

  private static RawBlockDevice open(Path path, int flags) throws IOException {
    if (!isBlockDevice(path)) {
      throw new DeviceIoException(path + " is not a block device");
    }
    boolean readOnly = flags == NativeIo.O_RDONLY;
    int fd = NativeIo.openFd(path, flags);
    FileChannel ch = null;
    try {
      long size = NativeIo.blockDeviceSizeBytes(fd, path);
      ch =
          readOnly
              ? FileChannel.open(path, StandardOpenOption.READ)
              : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      return new RawBlockDevice(path, ch, fd, size);
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      NativeIo.closeFd(fd);
      throw e;
    }
  }

  /** True if {@code path} is a block device node (stat's S_IFBLK). */
  public static boolean isBlockDevice(Path path) {
    try {
      Object mode = Files.getAttribute(path, "unix:mode");
      return mode instanceof Integer m && (m & 0170000) == 0060000;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /** The size of the block device at {@code path}, in bytes. */
  public static long sizeBytesOf(Path path) throws IOException {
    try (RawBlockDevice d = openReadOnly(path)) {
      return d.sizeBytes();
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public long sizeBytes() {
    return sizeBytes;
  }

  @Override
  public void read(long offsetBytes, ByteBuffer dst) throws IOException {
    checkRange(offsetBytes, dst.remaining());
    long end = ChannelIo.readFully(channel, offsetBytes, dst);
    if (end >= 0) {
      throw new DeviceIoException("unexpected end of " + path + " at " + end);
    }
  }

  @Override
  public void write(long offsetBytes, ByteBuffer src) throws IOException {
    checkRange(offsetBytes, src.remaining());
    ChannelIo.writeFully(channel, offsetBytes, src);
  }

  @Override
  public void sync() throws IOException {
    channel.force(true);
  }

  @Override
  public void discard(long offsetBytes, long lengthBytes) throws IOException {
    checkRange(offsetBytes, lengthBytes);
    if (offsetBytes % 512 != 0 || lengthBytes % 512 != 0) {
      throw new AssertionError(
          "BLKDISCARD of " + lengthBytes + " bytes at " + offsetBytes + " is not sector-aligned");
    }
    for (long done = 0; done < lengthBytes; done += MAX_DISCARD_BYTES) {
      NativeIo.blockDiscard(
          fd, path, offsetBytes + done, Math.min(MAX_DISCARD_BYTES, lengthBytes - done));
    }
  }

  /** A block device keeps its size; asking for more than it has fails. */
  @Override
  public void resize(long newSizeBytes) throws IOException {
    if (newSizeBytes > sizeBytes) {
      throw new DeviceIoException(
          "block device "
              + path
              + " holds "
              + sizeBytes
              + " bytes, not "
              + newSizeBytes
              + ": grow the device itself first");
    }
  }

  private void checkRange(long offsetBytes, long lengthBytes) throws DeviceIoException {
    if (offsetBytes < 0 || offsetBytes > sizeBytes - lengthBytes) {
      throw new DeviceIoException(
          lengthBytes
              + " bytes at "
              + offsetBytes
              + " are beyond the end of "
              + path
              + " ("
              + sizeBytes
              + " bytes)");
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return; // closing an fd twice could close one another thread has just been given
    }
    closed = true;
    try {
      channel.close();
    } finally {
      NativeIo.closeFd(fd);
    }
  }
}

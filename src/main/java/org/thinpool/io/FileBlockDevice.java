package org.thinpool.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A {@link BlockDevice} on a regular (sparse) file, as Docker's loop-lvm used. */
public final class FileBlockDevice implements BlockDevice {
  private final Path path;
  private final FileChannel channel;

  /**
   * The native fd for hole punching, preallocation and in-kernel copies, opened on first use and
   * kept: not one open and close per call. -1 until then, or when the native calls are missing
   * (punching then writes zeros, copies go through a buffer, nothing is preallocated).
   */
  private volatile int nativeFd = -1;

  private boolean nativeFdOpened;

  /**
   * False once copy_file_range has failed as unsupported here: copies use a buffer from then on.
   */
  private volatile boolean copyInKernel = true;

  private FileBlockDevice(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  /** Opens an existing file for reading and writing. */
  public static FileBlockDevice open(Path path) throws IOException {
    return new FileBlockDevice(
        path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
  }

  /** Opens an existing file read-only; writes fail. */
  public static FileBlockDevice openReadOnly(Path path) throws IOException {
    return new FileBlockDevice(path, FileChannel.open(path, StandardOpenOption.READ));
  }

  /** Creates a new sparse file of the given size; fails if it exists. */
  public static FileBlockDevice create(Path path, long sizeBytes) throws IOException {
    FileChannel ch =
        FileChannel.open(
            path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      if (sizeBytes > 0) {
        ch.write(ByteBuffer.allocate(1), sizeBytes - 1);
      }
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(path); // ours: CREATE_NEW made it
      throw new DeviceIoException(
          "cannot make " + path + " " + sizeBytes + " bytes long: " + e.getMessage(), e);
    }
    return new FileBlockDevice(path, ch);
  }

  public Path path() {
    return path;
  }

  @Override
  public long sizeBytes() throws IOException {
    return channel.size();
  }

  @Override
  public void read(long offsetBytes, ByteBuffer dst) throws IOException {
    if (ChannelIo.readFully(channel, offsetBytes, dst) >= 0) {
      zeroFill(dst); // past the end of the file: zeros, like an unwritten region
    }
  }

  /** {@code preadv2(RWF_NOWAIT)}: false where a part is not in the page cache (direct buffers). */
  @Override
  public boolean readIfCached(long offsetBytes, ByteBuffer dst) throws IOException {
    int fd = nativeFd();
    if (fd < 0 || !dst.isDirect()) {
      return false;
    }
    int start = dst.position();
    while (dst.hasRemaining()) {
      int n = NativeIo.readNoWait(fd, offsetBytes + dst.position() - start, dst);
      if (n < 0) {
        dst.position(start);
        return false;
      }
      if (n == 0) {
        zeroFill(dst); // past the end of the file, as in read
      }
    }
    return true;
  }

  @Override
  public void write(long offsetBytes, ByteBuffer src) throws IOException {
    try {
      ChannelIo.writeFully(channel, offsetBytes, src);
    } catch (IOException e) {
      throw writeFailed(e, offsetBytes);
    }
  }

  /**
   * A write the host refused, named: a full host filesystem or quota (ENOSPC, EDQUOT: the JDK
   * passes strerror's text) is out of space, anything else a device error. Either way the message
   * names the file, since the caller may hold several.
   */
  private IOException writeFailed(IOException e, long offsetBytes) {
    String why = String.valueOf(e.getMessage());
    if (why.contains("No space left") || why.contains("quota")) {
      return new OutOfSpaceException(
          "no space left on the filesystem holding "
              + path
              + " (writing at byte "
              + offsetBytes
              + "): "
              + why,
          e);
    }
    return new DeviceIoException(
        "write to " + path + " at byte " + offsetBytes + " failed: " + why, e);
  }

  @Override
  public void sync() throws IOException {
    channel.force(true);
  }

  @Override
  public void discard(long offsetBytes, long lengthBytes) throws IOException {
    NativeIo.punchHole(channel, nativeFd(), path, offsetBytes, lengthBytes);
  }

  /** Zeros for the rest of {@code dst}. */
  private static void zeroFill(ByteBuffer dst) {
    while (dst.hasRemaining()) {
      dst.put((byte) 0);
    }
  }

  private int nativeFd() {
    int fd = nativeFd;
    if (fd >= 0) {
      return fd;
    }
    synchronized (this) {
      if (!nativeFdOpened) {
        nativeFd = NativeIo.openForPunch(path);
        nativeFdOpened = true;
      }
      return nativeFd;
    }
  }

  @Override
  public boolean preallocate(long offsetBytes, long lengthBytes) throws IOException {
    return NativeIo.preallocate(nativeFd(), offsetBytes, lengthBytes);
  }

  /**
   * {@code lseek(SEEK_DATA)} from the range's start: a hole if the next data lies past its end (or
   * there is none). The file system answers, so a range freed without a punch, or whose punch
   * failed, holds data and is no hole. A file system without hole support reports all data (never a
   * hole that is not one); without the native call, or on an error, the answer is "may hold data",
   * which only costs the caller a write.
   */
  @Override
  public boolean isHole(long offsetBytes, long lengthBytes) {
    int fd = nativeFd();
    if (fd < 0) {
      return false;
    }
    try {
      long data = NativeIo.seek(fd, path, offsetBytes, NativeIo.SEEK_DATA);
      return data < 0 || data >= offsetBytes + lengthBytes;
    } catch (DeviceIoException e) {
      return false;
    }
  }

  /**
   * In the kernel, with {@code copy_file_range}: on XFS (reflink) and btrfs the new range shares
   * the old one's extents, on ext4 the page cache copies it; no bytes pass through the JVM. Where
   * the call is missing or refused (EXDEV, EINVAL, EOPNOTSUPP), through a buffer.
   */
  @Override
  public void copy(long srcOffsetBytes, long dstOffsetBytes, long lengthBytes) throws IOException {
    long done = 0;
    while (copyInKernel && done < lengthBytes) {
      long n =
          NativeIo.copyFileRange(
              nativeFd(), srcOffsetBytes + done, dstOffsetBytes + done, lengthBytes - done);
      if (n > 0) {
        done += n;
      } else if (n == -NativeIo.ENOSPC) {
        throw writeFailed(
            new IOException("No space left on device (copy_file_range)"), dstOffsetBytes + done);
      } else if (n == 0) {
        break; // past the end of the file: the rest reads as zeros, copied below
      } else if (unsupported(-n)) {
        copyInKernel = false;
      } else {
        throw writeFailed(
            new IOException("copy_file_range failed: errno " + -n), dstOffsetBytes + done);
      }
    }
    if (done < lengthBytes) {
      BlockDevice.super.copy(srcOffsetBytes + done, dstOffsetBytes + done, lengthBytes - done);
    }
  }

  /** EXDEV, EINVAL, ENOSYS, EOPNOTSUPP: not possible here, not an I/O error. */
  private static boolean unsupported(long errno) {
    return errno == 18 || errno == 22 || errno == NativeIo.ENOSYS || errno == 95;
  }

  @Override
  public void resize(long sizeBytes) throws IOException {
    if (sizeBytes > channel.size()) {
      channel.write(ByteBuffer.allocate(1), sizeBytes - 1);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    try (FileChannel ch = channel) {
      if (nativeFd >= 0) {
        NativeIo.closeFd(nativeFd);
        nativeFd = -1;
      }
    }
  }
}

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
   * The native fd discards punch holes through, opened on the first discard and kept: not one open
   * and close per punch. -1 until then, or when punching falls back to writing zeros.
   */
  private int punchFd = -1;

  private boolean punchFdOpened;

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
      // Past the end of the file: zeros, like an unwritten region.
      while (dst.hasRemaining()) {
        dst.put((byte) 0);
      }
    }
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
  public synchronized void discard(long offsetBytes, long lengthBytes) throws IOException {
    if (!punchFdOpened) {
      punchFd = NativeIo.openForPunch(path);
      punchFdOpened = true;
    }
    NativeIo.punchHole(channel, punchFd, path, offsetBytes, lengthBytes);
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
      if (punchFd >= 0) {
        NativeIo.closeFd(punchFd);
        punchFd = -1;
      }
    }
  }
}

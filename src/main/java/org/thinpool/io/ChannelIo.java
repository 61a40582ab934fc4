package org.thinpool.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Positional whole-buffer I/O on a {@link FileChannel}, shared by the file and the block-device
 * implementations: a channel may transfer fewer bytes than asked, so both loop until done.
 */
final class ChannelIo {
  private ChannelIo() {}

  /**
   * Reads from {@code offsetBytes} until {@code dst} is full or the channel ends. Returns the
   * position where the channel ended, or -1 if {@code dst} was filled.
   */
  static long readFully(FileChannel channel, long offsetBytes, ByteBuffer dst) throws IOException {
    long pos = offsetBytes;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, pos);
      if (n < 0) {
        return pos;
      }
      pos += n;
    }
    return -1;
  }

  /** Writes all of {@code src} at {@code offsetBytes}. */
  static void writeFully(FileChannel channel, long offsetBytes, ByteBuffer src) throws IOException {
    long pos = offsetBytes;
    while (src.hasRemaining()) {
      pos += channel.write(src, pos);
    }
  }
}

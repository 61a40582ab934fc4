package org.thinpool.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import org.thinpool.pool.ThinDevice;

/**
 * Writes every byte of a thin device, in order, to a target that cannot hold holes or may hold old
 * data: standard output, a named pipe, a character device, a block device. Unmapped ranges are
 * written as zeros (from one shared buffer, never read from the pool).
 */
final class ImageExport {
  /** Zeros are written in pieces of at most 1 MiB: one buffer, few system calls. */
  private static final int ZERO_PIECE_BYTES = 1 << 20;

  private final ThinDevice dev;
  private final long blockBytes;
  private final Progress progress;

  ImageExport(ThinDevice dev, long blockBytes, Progress progress) {
    this.dev = dev;
    this.blockBytes = blockBytes;
    this.progress = progress;
  }

  /** Streams the device to {@code out} from its start to its virtual size. */
  void streamTo(WritableByteChannel out) throws IOException {
    long size = dev.sizeBytes();
    long[] mapped = dev.provisionedBlocks();
    ByteBuffer data = ByteBuffer.allocate((int) Math.min(blockBytes, Integer.MAX_VALUE - 8));
    ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_PIECE_BYTES, blockBytes * 16));
    long pos = 0;
    int i = 0;
    while (pos < size) {
      long nextMapped = i < mapped.length ? Math.min(size, mapped[i] * blockBytes) : size;
      if (pos < nextMapped) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), nextMapped - pos));
        pos += writeAll(out, zeros);
      } else {
        data.clear().limit((int) Math.min(blockBytes, size - pos));
        dev.read(pos, data);
        data.flip();
        pos += writeAll(out, data);
        i++;
      }
      progress.update(pos);
    }
    progress.finish(pos);
  }

  /** A block device: checks it is large enough, streams, then syncs it. */
  void toBlockDevice(FileChannel out, long deviceBytes, String target) throws IOException {
    if (deviceBytes < dev.sizeBytes()) {
      throw new IOException(
          "block device "
              + target
              + " ("
              + deviceBytes
              + " bytes) is "
              + "smaller than thin device "
              + dev.id()
              + " ("
              + dev.sizeBytes()
              + " bytes)");
    }
    streamTo(out);
    out.force(true);
  }

  private static int writeAll(WritableByteChannel out, ByteBuffer b) throws IOException {
    int n = b.remaining();
    while (b.hasRemaining()) {
      out.write(b);
    }
    return n;
  }
}

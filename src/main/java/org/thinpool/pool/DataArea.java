package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.thinpool.io.BlockDevice;

/**
 * The data device cut into data blocks: reads and writes inside one block, filling a new block
 * around a partial write (from the shared block it replaces, or zeros), and hole punching.
 */
final class DataArea implements AutoCloseable {
  /** Blocks are filled in chunks of at most 1 MiB, so a 1 GiB block never needs 1 GiB of heap. */
  static final int CHUNK_BYTES = 1 << 20;

  /**
   * Fill buffers kept for reuse: as many as writers usually fill blocks at once; more are
   * allocated when needed and dropped after use.
   */
  static final int POOLED_FILL_BUFFERS = 8;

  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(CHUNK_BYTES).asReadOnlyBuffer();

  private final BlockDevice device;
  private final long blockSizeBytes;
  private final int fillChunkBytes;

  /**
   * Direct buffers of {@link #fillChunkBytes}, reused: a copy-on-write moves a whole block, and a
   * fresh heap buffer per copy costs the JVM's zeroing of it plus a copy through a temporary
   * direct buffer on every read and write.
   */
  private final ConcurrentLinkedDeque<ByteBuffer> fillBuffers = new ConcurrentLinkedDeque<>();

  DataArea(BlockDevice device, long blockSizeBytes) {
    this.device = device;
    this.blockSizeBytes = blockSizeBytes;
    this.fillChunkBytes = (int) Math.min(blockSizeBytes, CHUNK_BYTES);
  }

  BlockDevice device() {
    return device;
  }

  long offsetOf(long dataBlock, long inBlock) {
    return dataBlock * blockSizeBytes + inBlock;
  }

  void read(long dataBlock, int inBlock, ByteBuffer dst) throws IOException {
    device.read(offsetOf(dataBlock, inBlock), dst);
  }

  void write(long dataBlock, int inBlock, ByteBuffer src) throws IOException {
    device.write(offsetOf(dataBlock, inBlock), src);
  }

  /**
   * Writes {@code src} at {@code inBlock} of the new block {@code newBlock}; the rest of the block
   * comes from {@code oldBlock} when it is not negative (breaking sharing), else is zeroed when
   * {@code zeroing}, else is left as the data file holds it. Each chunk of the block (the whole
   * block up to {@value #CHUNK_BYTES} bytes) is one read of the old block, at most, and one write.
   */
  void fill(long newBlock, long oldBlock, boolean zeroing, int inBlock, ByteBuffer src)
      throws IOException {
    int n = src.remaining();
    if (n == blockSizeBytes || (oldBlock < 0 && !zeroing)) {
      write(newBlock, inBlock, src);
      return;
    }
    int chunk = fillChunkBytes;
    ByteBuffer buf = fillBuffers.pollFirst();
    if (buf == null) {
      buf = ByteBuffer.allocateDirect(chunk);
    }
    try {
      for (long c = 0; c < blockSizeBytes; c += chunk) {
        int from = (int) (Math.max(c, inBlock) - c);
        int to = (int) (Math.min(c + chunk, inBlock + (long) n) - c);
        if (oldBlock < 0 && from >= to) {
          device.write(offsetOf(newBlock, c), ZEROS.duplicate().limit(chunk));
          continue;
        }
        buf.clear();
        if (oldBlock >= 0) {
          device.read(offsetOf(oldBlock, c), buf);
        } else {
          buf.put(0, ZEROS, 0, Math.max(from, 0)); // zeros around the written part
          if (to < chunk) {
            buf.put(Math.max(to, 0), ZEROS, 0, chunk - Math.max(to, 0));
          }
        }
        if (from < to) {
          buf.put(from, src, src.position() + (int) (c + from - inBlock), to - from);
        }
        buf.clear();
        device.write(offsetOf(newBlock, c), buf);
      }
    } finally {
      if (fillBuffers.size() < POOLED_FILL_BUFFERS) {
        fillBuffers.offerFirst(buf);
      }
    }
    src.position(src.limit());
  }

  /** Fills the rest of {@code dst} with zeros. */
  static void zeroFill(ByteBuffer dst) {
    while (dst.hasRemaining()) {
      dst.put(ZEROS.duplicate().limit(Math.min(dst.remaining(), CHUNK_BYTES)));
    }
  }

  /** Punches holes for the given sorted data blocks, one call per run of adjacent blocks. */
  void punch(long[] sortedBlocks) throws IOException {
    int i = 0;
    while (i < sortedBlocks.length) {
      int j = i + 1;
      while (j < sortedBlocks.length && sortedBlocks[j] == sortedBlocks[j - 1] + 1) {
        j++;
      }
      device.discard(offsetOf(sortedBlocks[i], 0), (j - i) * blockSizeBytes);
      i = j;
    }
  }

  void sync() throws IOException {
    device.sync();
  }

  @Override
  public void close() throws IOException {
    device.close();
  }
}

package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One thin device of a {@link ThinPool}: byte-addressed I/O at any offset and length.
 *
 * <p>Contract: bytes never written read as zeros; the first write to a virtual block allocates a
 * data block (zeroing the rest of it for a partial write unless the pool's zeroing is off); a write
 * to a block shared with a snapshot or origin copies that one block first, merging the write with
 * its old contents; nothing is durable until {@link #flush} (or a write with FUA) returns.
 * Thread-safe: concurrent requests on this and other devices never mix data within a block. A
 * handle outlives its device: after {@link ThinPool#delete}, every call fails.
 */
public final class ThinDevice {
  /** Pieces of write-zeroes inside a mapped block are written from a buffer of at most this. */
  private static final int ZERO_WRITE_BYTES = 1 << 20;

  private final PoolCore core;
  private final long id;

  ThinDevice(PoolCore core, long id) {
    this.core = core;
    this.id = id;
  }

  public long id() {
    return id;
  }

  public long sizeBytes() throws PoolStateException {
    return core.sizeOf(id);
  }

  /**
   * Reads {@code dst.remaining()} bytes at {@code offsetBytes}: each run of blocks mapped to
   * consecutive data blocks is one read of the data device, and the request allocates nothing.
   */
  public void read(long offsetBytes, ByteBuffer dst) throws IOException {
    checkRange(offsetBytes, dst.remaining());
    long pos = offsetBytes;
    while (dst.hasRemaining()) {
      pos += core.io().readRun(id, pos, dst);
    }
  }

  /**
   * Reads as {@link #read} if that needs no wait: every mapped byte of the range is in the host's
   * page cache and no write or discard of its blocks runs. Returns false otherwise, with {@code
   * dst}'s position unchanged (bytes after it may have changed); the caller then reads where
   * waiting is fine. For a thread that must not block, like the one reading a connection's
   * requests: a cached read served there costs no hand-off to another thread. Without {@code
   * holes}, a range with an unmapped block returns false too (for a caller that sends holes apart
   * from data).
   */
  public boolean readIfCached(long offsetBytes, ByteBuffer dst, boolean holes) throws IOException {
    checkRange(offsetBytes, dst.remaining());
    int start = dst.position();
    long pos = offsetBytes;
    BlockIo.ReadMode mode = holes ? BlockIo.ReadMode.NOW : BlockIo.ReadMode.NOW_MAPPED_ONLY;
    while (dst.hasRemaining()) {
      int n = core.io().readRun(id, pos, dst, mode);
      if (n < 0) {
        dst.position(start);
        return false;
      }
      pos += n;
    }
    return true;
  }

  public void read(long offsetBytes, byte[] dst) throws IOException {
    read(offsetBytes, ByteBuffer.wrap(dst));
  }

  /** Writes {@code src.remaining()} bytes at {@code offsetBytes}; durable after a flush. */
  public void write(long offsetBytes, ByteBuffer src) throws IOException {
    write(offsetBytes, src, false);
  }

  /**
   * Writes; with {@code fua} the write (and everything before it) is durable on return. Each run of
   * blocks written in place to consecutive data blocks is one write of the data device.
   */
  public void write(long offsetBytes, ByteBuffer src, boolean fua) throws IOException {
    checkRange(offsetBytes, src.remaining());
    long pos = offsetBytes;
    while (src.hasRemaining()) {
      pos += core.io().writeRun(id, pos, src);
    }
    if (fua) {
      core.commit();
    }
  }

  /**
   * Writes as {@link #write(long, ByteBuffer)} if that needs no wait for another request: either
   * every block of the range is mapped to this device alone, to consecutive data blocks (one write
   * of the data device), or the range lies in one unmapped block and a data block is free (a first
   * write: provisioned, filled, mapped); and no other write, discard, commit or device change holds
   * those blocks or the metadata now. Returns false otherwise, having written nothing ({@code src}
   * unchanged); the caller then writes where waiting is fine. The data write itself is an ordinary
   * buffered write (the host's dirty-page throttling applies). For the thread that reads a
   * connection's requests: a write served there costs no hand-off to another thread. Durable after
   * a flush, as any write.
   */
  public boolean writeIfNoWait(long offsetBytes, ByteBuffer src) throws IOException {
    checkRange(offsetBytes, src.remaining());
    return src.hasRemaining() && core.io().writeNow(id, offsetBytes, src);
  }

  public void write(long offsetBytes, byte[] src) throws IOException {
    write(offsetBytes, ByteBuffer.wrap(src));
  }

  /**
   * Makes the range read as zeros: whole blocks are unmapped (and, with passdown, punched after the
   * next commit); the partial blocks at the ends are written with zeros if they are mapped.
   */
  public void writeZeroes(long offsetBytes, long lengthBytes) throws IOException {
    checkRange(offsetBytes, lengthBytes);
    long bs = core.blockSizeBytes();
    long end = offsetBytes + lengthBytes;
    long first = ceilDiv(offsetBytes, bs);
    long last = end / bs;
    if (first >= last) {
      zeroPartial(offsetBytes, end);
      return;
    }
    zeroPartial(offsetBytes, first * bs);
    core.io().unmap(id, first, last, core.settings().discardMode() == DiscardMode.PASSDOWN);
    zeroPartial(last * bs, end);
  }

  /** Writes zeros over [from, to), within mapped blocks only. */
  private void zeroPartial(long from, long to) throws IOException {
    long bs = core.blockSizeBytes();
    long pos = from;
    while (pos < to) {
      long vblock = pos / bs;
      long blockEnd = Math.min(to, (vblock + 1) * bs);
      if (core.io().isMapped(id, vblock)) {
        while (pos < blockEnd) {
          int n = (int) Math.min(blockEnd - pos, ZERO_WRITE_BYTES);
          core.io().writeBlock(id, vblock, (int) (pos % bs), ByteBuffer.allocate(n));
          pos += n;
        }
      }
      pos = blockEnd;
    }
  }

  /**
   * Discards as dm-thin does: the whole blocks inside the range are unmapped (freed in the pool if
   * no other device shares them, and with passdown punched out of the data file after the next
   * commit); the partial blocks at the ends are left alone; in ignore mode nothing happens. A
   * discarded range reads as zeros only where whole blocks were unmapped.
   */
  public void discard(long offsetBytes, long lengthBytes) throws IOException {
    checkRange(offsetBytes, lengthBytes);
    DiscardMode mode = core.settings().discardMode();
    if (mode == DiscardMode.IGNORE) {
      return;
    }
    long bs = core.blockSizeBytes();
    core.io()
        .unmap(
            id,
            ceilDiv(offsetBytes, bs),
            (offsetBytes + lengthBytes) / bs,
            mode == DiscardMode.PASSDOWN);
  }

  /** True if the virtual block {@code virtualBlock} (of the pool's block size) is provisioned. */
  public boolean isMapped(long virtualBlock) throws IOException {
    sizeBytes();
    return core.io().isMapped(id, virtualBlock);
  }

  /** The provisioned virtual blocks, ascending (a view at one moment; I/O may change it). */
  public long[] provisionedBlocks() throws IOException {
    sizeBytes();
    LongList blocks = new LongList();
    core.withMetadata(
        md -> {
          md.visitMappings(
              id,
              0,
              Long.MAX_VALUE,
              (k, m) -> {
                blocks.add(k);
                return true;
              });
          return null;
        });
    return blocks.drain(); // visited in ascending order, each once
  }

  /**
   * The provisioned runs of virtual blocks inside [beginBlock, endBlock), ascending, at most {@code
   * maxRuns} of them (the first ones); a view at one moment, as {@link #provisionedBlocks}. The
   * walk holds the metadata lock, so callers bound the range.
   */
  public List<BlockRun> mappedRuns(long beginBlock, long endBlock, int maxRuns) throws IOException {
    sizeBytes();
    if (maxRuns <= 0) {
      throw new IllegalArgumentException("maxRuns must be positive, not " + maxRuns);
    }
    List<BlockRun> runs = new ArrayList<>();
    long[] cur = {-1, -1};
    core.withMetadata(
        md -> {
          md.visitMappings(
              id,
              beginBlock,
              endBlock,
              (k, m) -> {
                if (k == cur[1]) {
                  cur[1]++;
                  return true;
                }
                if (cur[0] >= 0) {
                  runs.add(new BlockRun(cur[0], cur[1]));
                  if (runs.size() == maxRuns) {
                    cur[0] = -1;
                    return false;
                  }
                }
                cur[0] = k;
                cur[1] = k + 1;
                return true;
              });
          return null;
        });
    if (cur[0] >= 0) {
      runs.add(new BlockRun(cur[0], cur[1]));
    }
    return runs;
  }

  /** Data synced, then the metadata committed (the whole pool's, as dm-thin does). */
  public void flush() throws IOException {
    core.commit();
  }

  public ThinStatus status() throws IOException {
    long size = sizeBytes();
    return core.withMetadata(
        md -> {
          var d = md.requireDevice(id);
          return new ThinStatus(id, size, d.mappedBlocks(), md.highestMapped(id));
        });
  }

  private void checkRange(long offsetBytes, long lengthBytes) throws PoolStateException {
    long size = sizeBytes();
    if (offsetBytes < 0 || lengthBytes < 0 || offsetBytes > size - lengthBytes) {
      throw new IllegalArgumentException(
          "I/O at "
              + offsetBytes
              + " of "
              + lengthBytes
              + " bytes is outside thin device "
              + id
              + " ("
              + size
              + " bytes)");
    }
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  @Override
  public String toString() {
    return "thin device " + id;
  }
}

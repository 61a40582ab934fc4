package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.thinpool.io.BlockDevice;
import org.thinpool.io.DeviceIoException;
import org.thinpool.io.OutOfSpaceException;

/**
 * The data device cut into data blocks: reads and writes inside one block, filling a new block
 * around a partial write (from the shared block it replaces, or zeros), and hole punching.
 *
 * <p>Every access is checked against the pool's data block count: a mapping at or past the end
 * (corrupt or restored metadata) is an I/O error naming the device and the block, never zeros read
 * past the end of a file, and a write never grows the data file past its configured size. A write
 * the host refuses (its filesystem full, a quota, an I/O error) fails as out of space, naming the
 * file: the request fails, the pool does not.
 */
final class DataArea implements AutoCloseable {
  /**
   * How new blocks are filled: measured choices (docs/BENCHMARKS.md, {@code CowCopyBench}), a seam
   * for the benchmark and the tests ({@link PoolHooks}), not a user setting.
   *
   * @param copyInKernel a copy-on-write copies the old block's bytes around the written part with
   *     {@link BlockDevice#copy} (copy_file_range: no bytes through the JVM, a reflink on XFS), not
   *     by reading the old block and writing the merged one
   * @param preallocateChunkBlocks when a block is allocated in a chunk of this many data blocks
   *     that has not been preallocated since it was last punched, the whole chunk is preallocated
   *     ({@link BlockDevice#preallocate}), so the copies and writes into it never land in holes of
   *     the sparse file; 0 preallocates nothing
   */
  record Tuning(boolean copyInKernel, int preallocateChunkBlocks) {
    /**
     * Copies through a buffer, no preallocation: on ext4 the in-kernel copy measured slower (0.77x
     * of the bare Java copy cold, 0.65x preallocated, against 1.01x and 0.91x through a buffer),
     * and chunks kept the data file less sparse for a gain only the in-kernel copy showed
     * (docs/BENCHMARKS.md, "Data path").
     */
    static final Tuning DEFAULT = new Tuning(false, 0);

    Tuning {
      if (preallocateChunkBlocks < 0) {
        throw new AssertionError("preallocation chunk of " + preallocateChunkBlocks + " blocks");
      }
    }
  }

  /** Blocks are filled in chunks of at most 1 MiB, so a 1 GiB block never needs 1 GiB of heap. */
  static final int CHUNK_BYTES = 1 << 20;

  /**
   * Fill buffers kept for reuse: as many as writers usually fill blocks at once; more are allocated
   * when needed and dropped after use.
   */
  static final int POOLED_FILL_BUFFERS = 8;

  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(CHUNK_BYTES).asReadOnlyBuffer();

  private final BlockDevice device;
  private final String name;
  private final long blockSizeBytes;

  /** The pool's data blocks: every access is below this. Grows with the data device. */
  private volatile long nrBlocks;

  private final int fillChunkBytes;

  /**
   * Direct buffers of {@link #fillChunkBytes}, reused: a copy-on-write moves a whole block, and a
   * fresh heap buffer per copy costs the JVM's zeroing of it plus a copy through a temporary direct
   * buffer on every read and write. Slots rather than a queue: taking one and giving it back
   * allocate nothing (a queue allocates a node per offer, on every copy-on-write).
   */
  private final AtomicReferenceArray<ByteBuffer> fillBuffers =
      new AtomicReferenceArray<>(POOLED_FILL_BUFFERS);

  private final Tuning tuning;

  /**
   * One bit per preallocation chunk: set when the chunk was preallocated, cleared when a block in
   * it is punched (so passdown gives the host its space back, and the next allocation there
   * preallocates again). Guarded by {@link #chunkLock}.
   */
  private long[] preallocated = new long[0];

  private final Object chunkLock = new Object();

  /** False once the device said it cannot preallocate, before it ever did: no more tries. */
  private volatile boolean preallocating;

  private boolean everPreallocated;

  /** The data device {@code name} (its path) with the pool's {@code nrBlocks} data blocks. */
  DataArea(BlockDevice device, String name, long blockSizeBytes, long nrBlocks, Tuning tuning) {
    this.device = device;
    this.name = name;
    this.blockSizeBytes = blockSizeBytes;
    this.nrBlocks = nrBlocks;
    this.fillChunkBytes = (int) Math.min(blockSizeBytes, CHUNK_BYTES);
    this.tuning = tuning;
    this.preallocating = tuning.preallocateChunkBlocks() > 0;
  }

  /** A data area over the whole device (tests and benchmarks). */
  DataArea(BlockDevice device, long blockSizeBytes) throws IOException {
    this(
        device, "data device", blockSizeBytes, device.sizeBytes() / blockSizeBytes, Tuning.DEFAULT);
  }

  BlockDevice device() {
    return device;
  }

  String name() {
    return name;
  }

  /** Grows the data device to {@code blocks} data blocks (it never shrinks). */
  void grow(long blocks) throws IOException {
    device.resize(blocks * blockSizeBytes);
    nrBlocks = Math.max(nrBlocks, blocks);
  }

  boolean isInside(long dataBlock) {
    return dataBlock >= 0 && dataBlock < nrBlocks;
  }

  /** Fails unless {@code dataBlock} lies on the data device. */
  void checkInside(long dataBlock) throws DeviceIoException {
    long n = nrBlocks;
    if (dataBlock < 0 || dataBlock >= n) {
      throw new DeviceIoException(
          "data block "
              + dataBlock
              + " is outside data device "
              + name
              + " ("
              + n
              + " blocks): the metadata maps a block the device does not have");
    }
  }

  long offsetOf(long dataBlock, long inBlock) {
    return dataBlock * blockSizeBytes + inBlock;
  }

  void read(long dataBlock, int inBlock, ByteBuffer dst) throws IOException {
    checkInside(dataBlock);
    device.read(offsetOf(dataBlock, inBlock), dst);
  }

  /** As {@link #read}, if that needs no wait for the storage ({@link BlockDevice#readIfCached}). */
  boolean readIfCached(long dataBlock, int inBlock, ByteBuffer dst) throws IOException {
    checkInside(dataBlock);
    return device.readIfCached(offsetOf(dataBlock, inBlock), dst);
  }

  void write(long dataBlock, int inBlock, ByteBuffer src) throws IOException {
    checkInside(dataBlock);
    try {
      device.write(offsetOf(dataBlock, inBlock), src);
    } catch (IOException e) {
      throw refused(e, dataBlock);
    }
  }

  /** A write the host refused: out of space for this request, named (see the class comment). */
  private OutOfSpaceException refused(IOException e, long dataBlock) {
    if (e instanceof OutOfSpaceException o) {
      return o;
    }
    return new OutOfSpaceException(
        "cannot write data block " + dataBlock + " of " + name + ": " + e.getMessage(), e);
  }

  /**
   * Writes {@code src}, exactly {@code count} whole blocks, over the new blocks {@code first} ..
   * {@code first + count - 1} with one write: nothing of them is kept, so nothing is zeroed or
   * copied.
   */
  void fillWhole(long first, int count, ByteBuffer src) throws IOException {
    checkInside(first);
    checkInside(first + count - 1);
    if (src.remaining() != count * blockSizeBytes) {
      throw new AssertionError(src.remaining() + " bytes over " + count + " whole blocks");
    }
    for (int i = 0; i < count; i++) {
      preallocateChunkOf(first + i);
    }
    write(first, 0, src);
  }

  /**
   * Writes {@code src} at {@code inBlock} of the new block {@code newBlock}; the rest of the block
   * comes from {@code oldBlock} when it is not negative (breaking sharing), else is zeroed when
   * {@code zeroing} (unless the block is a hole of the data file, which reads as zeros), else is
   * left as the data file holds it. Each chunk of the block (the whole block up to {@value
   * #CHUNK_BYTES} bytes) is one read of the old block, at most, and one write.
   */
  void fill(long newBlock, long oldBlock, boolean zeroing, int inBlock, ByteBuffer src)
      throws IOException {
    checkInside(newBlock);
    preallocateChunkOf(newBlock);
    int n = src.remaining();
    if (n == blockSizeBytes || (oldBlock < 0 && (!zeroing || isHole(newBlock)))) {
      write(newBlock, inBlock, src);
      return;
    }
    if (oldBlock >= 0) {
      checkInside(oldBlock);
    }
    try {
      if (oldBlock >= 0 && tuning.copyInKernel()) {
        copyAround(newBlock, oldBlock, inBlock, src);
      } else {
        fillChunks(newBlock, oldBlock, inBlock, src);
      }
    } catch (IOException e) {
      throw refused(e, newBlock);
    }
  }

  /**
   * True if the host says the whole block holds no data, so the zeroing of a new block is done
   * already: dm-thin writes zeros around a partial first write (16 times the bytes of a 4 KiB write
   * into a 64 KiB block) unless told to skip it, but a hole of the data file reads as zeros, and
   * writing only the written part keeps the file sparse. Asked of the file system on each
   * allocation, not kept in a bitmap: a block freed without a punch (nopassdown or ignore discards,
   * a failed punch, a punch lost in a crash, a raw device) holds another device's old bytes and
   * must still be zeroed, and only the file system knows that for sure.
   */
  private boolean isHole(long dataBlock) throws IOException {
    return device.isHole(offsetOf(dataBlock, 0), blockSizeBytes);
  }

  /**
   * Breaks sharing without moving the old bytes through the JVM: the parts of the old block before
   * and after the written range are copied by the device ({@link BlockDevice#copy}), and the
   * written range is written once.
   */
  private void copyAround(long newBlock, long oldBlock, int inBlock, ByteBuffer src)
      throws IOException {
    long end = inBlock + (long) src.remaining();
    if (inBlock > 0) {
      device.copy(offsetOf(oldBlock, 0), offsetOf(newBlock, 0), inBlock);
    }
    device.write(offsetOf(newBlock, inBlock), src);
    if (end < blockSizeBytes) {
      device.copy(offsetOf(oldBlock, end), offsetOf(newBlock, end), blockSizeBytes - end);
    }
  }

  /**
   * Preallocates the chunk of a newly allocated block unless it was since its last punch (see
   * {@link Tuning}). Outside the metadata lock: a fallocate is file-system work, like a write. Two
   * writers entering a new chunk at once preallocate it once; one that finds the bit set while the
   * other's call runs writes into the hole as it would without preallocation.
   */
  private void preallocateChunkOf(long dataBlock) throws IOException {
    if (!preallocating) {
      return;
    }
    int chunk = tuning.preallocateChunkBlocks();
    long c = dataBlock / chunk;
    synchronized (chunkLock) {
      int word = (int) (c >>> 6);
      if (word >= preallocated.length) {
        preallocated = Arrays.copyOf(preallocated, Math.max(word + 1, 2 * preallocated.length));
      }
      if ((preallocated[word] & (1L << c)) != 0) {
        return;
      }
      preallocated[word] |= 1L << c;
    }
    long first = c * chunk;
    long count = Math.min(chunk, nrBlocks - first);
    boolean done = device.preallocate(offsetOf(first, 0), count * blockSizeBytes);
    synchronized (chunkLock) {
      if (done) {
        everPreallocated = true;
      } else if (!everPreallocated) {
        preallocating = false; // the device cannot (not a file, no fallocate here)
      }
    }
  }

  /** The blocks [first, first + count) were punched: their chunks are holes again, in part. */
  private void forgetPreallocated(long first, long count) {
    int chunk = tuning.preallocateChunkBlocks();
    if (chunk == 0) {
      return;
    }
    synchronized (chunkLock) {
      for (long c = first / chunk; c <= (first + count - 1) / chunk; c++) {
        int word = (int) (c >>> 6);
        if (word < preallocated.length) {
          preallocated[word] &= ~(1L << c);
        }
      }
    }
  }

  private void fillChunks(long newBlock, long oldBlock, int inBlock, ByteBuffer src)
      throws IOException {
    int n = src.remaining();
    int chunk = fillChunkBytes;
    ByteBuffer buf = takeFillBuffer();
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
      giveBack(buf);
    }
    src.position(src.limit());
  }

  /** A pooled fill buffer, or a new one if all are in use. */
  private ByteBuffer takeFillBuffer() {
    for (int i = 0; i < POOLED_FILL_BUFFERS; i++) {
      if (fillBuffers.get(i) != null) {
        ByteBuffer b = fillBuffers.getAndSet(i, null);
        if (b != null) {
          return b;
        }
      }
    }
    return ByteBuffer.allocateDirect(fillChunkBytes);
  }

  /** Returns a fill buffer to a free slot; dropped if every slot holds one. */
  private void giveBack(ByteBuffer buf) {
    for (int i = 0; i < POOLED_FILL_BUFFERS; i++) {
      if (fillBuffers.get(i) == null && fillBuffers.compareAndSet(i, null, buf)) {
        return;
      }
    }
  }

  /** Fills the rest of {@code dst} with zeros. */
  static void zeroFill(ByteBuffer dst) {
    while (dst.hasRemaining()) {
      dst.put(ZEROS.duplicate().limit(Math.min(dst.remaining(), CHUNK_BYTES)));
    }
  }

  /** Punches holes for the given sorted data blocks, one call per run of adjacent blocks. */
  void punch(long[] sortedBlocks) throws IOException {
    for (long b : sortedBlocks) {
      checkInside(b);
    }
    int i = 0;
    while (i < sortedBlocks.length) {
      int j = i + 1;
      while (j < sortedBlocks.length && sortedBlocks[j] == sortedBlocks[j - 1] + 1) {
        j++;
      }
      device.discard(offsetOf(sortedBlocks[i], 0), (j - i) * blockSizeBytes);
      forgetPreallocated(sortedBlocks[i], j - i);
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

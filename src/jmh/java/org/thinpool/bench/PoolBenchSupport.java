package org.thinpool.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.thinpool.pool.DiscardMode;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinDevice;
import org.thinpool.pool.ThinPool;

/**
 * The one pool-building setup of the benchmarks: a pool in its own temp directory, filled devices,
 * and the raw peer files they are compared with.
 */
final class PoolBenchSupport {
  static final int KIB_4 = 4 << 10;
  static final int MIB_1 = 1 << 20;
  static final long BLOCK_BYTES = 64L << 10;

  private PoolBenchSupport() {}

  /**
   * A pool in a temp directory of its own ({@code dir/pool}); closing it closes the pool and
   * deletes the directory with everything in it, raw peer files included.
   */
  record BenchPool(Path dir, ThinPool pool) implements AutoCloseable {
    static BenchPool create(String name, PoolOptions options) throws IOException {
      Path dir = tempDir(name);
      return new BenchPool(dir, ThinPool.create(dir.resolve("pool"), options));
    }

    /** The pool's directory, to reopen it or its metadata directly. */
    Path poolDir() {
      return dir.resolve("pool");
    }

    @Override
    public void close() throws IOException {
      try {
        pool.close();
      } finally {
        deleteTree(dir);
      }
    }
  }

  /**
   * Options for a pool whose data is written sparsely: room for {@code dataBlocks} written blocks
   * plus slack, no zeroing (the benchmark writes what it reads) and no passdown.
   */
  static PoolOptions sparseOptions(long dataBlocks) {
    return PoolOptions.ofDataSize((dataBlocks + 1024) * BLOCK_BYTES)
        .withDiscardMode(DiscardMode.NOPASSDOWN)
        .withZeroing(false);
  }

  /** A new thin device {@code id} of {@code sizeBytes}, every byte written as {@link #fill}. */
  static ThinDevice filledThin(ThinPool pool, long id, long sizeBytes, long seed)
      throws IOException {
    ThinDevice dev = pool.createThin(id, sizeBytes);
    fill(dev, sizeBytes, seed);
    return dev;
  }

  static Path tempDir(String name) throws IOException {
    return Files.createTempDirectory("thinpool-" + name + "-");
  }

  /** Deletes a benchmark's temp directory and everything in it. */
  static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }

  /** A direct buffer of pseudo-random bytes (the same for every seed). */
  static ByteBuffer randomBuffer(int sizeBytes, long seed) {
    byte[] b = new byte[sizeBytes];
    new SplittableRandom(seed).nextBytes(b);
    return ByteBuffer.allocateDirect(sizeBytes).put(b).flip();
  }

  /** Writes every byte of {@code [0, sizeBytes)} in 1 MiB pieces, each stamped with its index. */
  static void fill(ThinDevice dev, long sizeBytes, long seed) throws IOException {
    ByteBuffer chunk = randomBuffer(MIB_1, seed);
    for (long off = 0; off < sizeBytes; off += MIB_1) {
      chunk.clear().putLong(0, off / MIB_1);
      dev.write(off, chunk);
    }
  }

  /**
   * The raw peer: a fully written file of {@code sizeBytes}, same bytes as {@link #fill}, written
   * in 64 KiB pieces as the pool writes its data file (one data block per call). That matters on
   * this kernel (6.18, ext4 large folios): a file written in 1 MiB pieces gets large page-cache
   * folios, and random 4 KiB overwrites of it measured 3-4x slower (14-16 us vs 4-6 us), which
   * would flatter the pool.
   */
  static FileChannel rawFile(Path path, long sizeBytes, long seed) throws IOException {
    FileChannel ch =
        FileChannel.open(
            path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    ByteBuffer chunk = randomBuffer(MIB_1, seed);
    for (long off = 0; off < sizeBytes; off += MIB_1) {
      chunk.clear().putLong(0, off / MIB_1);
      for (int p = 0; p < MIB_1; p += (int) BLOCK_BYTES) {
        writeFully(ch, off + p, chunk.limit(p + (int) BLOCK_BYTES).position(p));
      }
    }
    ch.force(true);
    return ch;
  }

  static void readFully(FileChannel ch, long offsetBytes, ByteBuffer dst) throws IOException {
    long pos = offsetBytes;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, pos);
      if (n < 0) {
        throw new IOException("short read at " + pos);
      }
      pos += n;
    }
  }

  static void writeFully(FileChannel ch, long offsetBytes, ByteBuffer src) throws IOException {
    long pos = offsetBytes;
    while (src.hasRemaining()) {
      pos += ch.write(src, pos);
    }
  }

  /**
   * {@code count} distinct 4 KiB-aligned offsets, one per data block, the blocks taken in random
   * order from {@code [0, blockCount)} and the 4 KiB slot inside each block at random.
   */
  static long[] distinctBlockOffsets(int count, long blockCount, SplittableRandom rng) {
    if (count > blockCount) {
      throw new AssertionError(count + " distinct blocks out of " + blockCount);
    }
    long[] blocks = new long[(int) blockCount];
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = i;
    }
    long[] out = new long[count];
    int slots = (int) (BLOCK_BYTES / KIB_4);
    for (int i = 0; i < count; i++) {
      int j = i + rng.nextInt(blocks.length - i);
      long t = blocks[j];
      blocks[j] = blocks[i];
      blocks[i] = t;
      out[i] = t * BLOCK_BYTES + (long) rng.nextInt(slots) * KIB_4;
    }
    return out;
  }
}

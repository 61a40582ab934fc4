package org.thinpool.bench;

import static org.thinpool.bench.PoolBenchSupport.BLOCK_BYTES;
import static org.thinpool.bench.PoolBenchSupport.KIB_4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.thinpool.pool.ThinDevice;
import org.thinpool.pool.ThinPool;

/**
 * Random 4 KiB reads at the top of a snapshot chain over a 512 GiB virtual device, the layout of
 * the qcow2 chain-depth peer ({@code shared/bench/README.md}): base + {@code depth} snapshots, each
 * a snapshot of the one before; 1 block in {@value #STRIDE} written, block {@code c} in layer
 * {@code (c / STRIDE) % (depth + 1)} (layer 0 = base), so each written block lives in exactly one
 * layer and 65,536 blocks are written in all. Writes are 4 KiB at the start of the block with
 * zeroing off (256 MiB of real data; the data file is sparse), as the peer's {@code --write-size
 * 4K}. Compare depth 64 with depth 1 in the same run.
 *
 * <p>{@code readAny4k} reads anywhere on the device (as fio did on the peer: 127 of 128 reads find
 * no mapping and return zeros); {@code readWritten4k} reads only the written 4 KiB pieces.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g"})
public class ChainPoolBench {
  static final long VIRTUAL_BYTES = 512L << 30;
  static final long STRIDE = 128;
  static final long WRITTEN_BLOCKS = VIRTUAL_BYTES / BLOCK_BYTES / STRIDE;

  @Param({"1", "64"})
  public int depth;

  PoolBenchSupport.BenchPool bench;
  ThinPool pool;
  ThinDevice top;
  ByteBuffer buf4k;
  SplittableRandom rng;

  @Setup(Level.Trial)
  public void build() throws IOException {
    // The default metadata size: it must hold the 65 layers' copies of the mapping leaves.
    bench =
        PoolBenchSupport.BenchPool.create("chain", PoolBenchSupport.sparseOptions(WRITTEN_BLOCKS));
    pool = bench.pool();
    ByteBuffer piece = PoolBenchSupport.randomBuffer(KIB_4, 7);
    ThinDevice layer = pool.createThin(0, VIRTUAL_BYTES);
    for (int l = 0; l <= depth; l++) {
      if (l > 0) {
        layer = pool.createSnapshot(l, l - 1);
      }
      for (long w = l; w < WRITTEN_BLOCKS; w += depth + 1) {
        piece.clear().putLong(0, w);
        layer.write(w * STRIDE * BLOCK_BYTES, piece);
      }
      pool.commit();
    }
    top = layer;
    buf4k = ByteBuffer.allocateDirect(KIB_4);
    rng = new SplittableRandom(9);
    check();
  }

  /** Every written piece reads back at the top with its own index; its neighbours are zeros. */
  private void check() throws IOException {
    for (long w = 0; w < WRITTEN_BLOCKS; w += 997) {
      long off = w * STRIDE * BLOCK_BYTES;
      top.read(off, buf4k.clear());
      if (buf4k.getLong(0) != w) {
        throw new AssertionError("block " + w * STRIDE + " reads " + buf4k.getLong(0));
      }
      top.read(off + BLOCK_BYTES, buf4k.clear());
      if (buf4k.getLong(0) != 0) {
        throw new AssertionError("block " + (w * STRIDE + 1) + " is not zero");
      }
    }
    long mapped = pool.thinStatus(top.id()).mappedBlocks();
    if (mapped != WRITTEN_BLOCKS) {
      throw new AssertionError("top maps " + mapped + " blocks, not " + WRITTEN_BLOCKS);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    bench.close();
  }

  @Benchmark
  public ByteBuffer readAny4k() throws IOException {
    top.read(rng.nextLong(VIRTUAL_BYTES / KIB_4) * KIB_4, buf4k.clear());
    return buf4k;
  }

  @Benchmark
  public ByteBuffer readWritten4k() throws IOException {
    top.read(rng.nextLong(WRITTEN_BLOCKS) * STRIDE * BLOCK_BYTES, buf4k.clear());
    return buf4k;
  }
}

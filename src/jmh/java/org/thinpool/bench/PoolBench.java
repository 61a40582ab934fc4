package org.thinpool.bench;

import static org.thinpool.bench.PoolBenchSupport.KIB_4;
import static org.thinpool.bench.PoolBenchSupport.MIB_1;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinDevice;
import org.thinpool.pool.ThinPool;

/**
 * Steady-state pool I/O against its peer, raw {@link FileChannel} I/O on a fully written file of
 * the same size (1 GiB), in the same run: 4 KiB random reads of unmapped, mapped and shared blocks,
 * 4 KiB random overwrites of mapped (exclusive) blocks, and 1 MiB sequential reads and overwrites.
 * Writes that allocate (first write, copy-on-write) consume blocks and are measured in {@link
 * CowPoolBench}. Both sides use direct buffers and the page cache (no O_DIRECT, no fsync), so the
 * ratio is the pool's CPU overhead over a pread/pwrite of the same bytes.
 *
 * <p>Run: {@code bench/jmh.sh PoolBench} (all pool benchmarks).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g"})
public class PoolBench {
  static final long DEVICE_BYTES = 1L << 30;
  static final long MAPPED = 1;
  static final long ORIGIN = 2;
  static final long SHARED = 3;
  static final long UNMAPPED = 4;

  PoolBenchSupport.BenchPool bench;
  ThinPool pool;
  ThinDevice mapped;
  ThinDevice shared;
  ThinDevice unmapped;
  FileChannel raw;
  ByteBuffer buf4k;
  ByteBuffer buf1m;
  SplittableRandom rng;
  long seqOffset;

  /**
   * A pool with a fully written device ({@code MAPPED}, never snapshotted, so its blocks are
   * exclusive), a snapshot {@code SHARED} of another fully written device (every block shared), an
   * empty device, and the raw peer file.
   */
  @Setup(Level.Trial)
  public void setup() throws IOException {
    bench = PoolBenchSupport.BenchPool.create("io", PoolOptions.ofDataSize(4 * DEVICE_BYTES));
    pool = bench.pool();
    mapped = PoolBenchSupport.filledThin(pool, MAPPED, DEVICE_BYTES, 1);
    PoolBenchSupport.filledThin(pool, ORIGIN, DEVICE_BYTES, 2);
    shared = pool.createSnapshot(SHARED, ORIGIN);
    unmapped = pool.createThin(UNMAPPED, DEVICE_BYTES);
    pool.commit();
    raw = PoolBenchSupport.rawFile(bench.dir().resolve("raw"), DEVICE_BYTES, 1);
    buf4k = PoolBenchSupport.randomBuffer(KIB_4, 3);
    buf1m = PoolBenchSupport.randomBuffer(MIB_1, 4);
    rng = new SplittableRandom(5);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    try {
      raw.close();
    } finally {
      bench.close();
    }
  }

  private long random4k() {
    return rng.nextLong(DEVICE_BYTES / KIB_4) * KIB_4;
  }

  private long nextSeq1m() {
    long off = seqOffset;
    seqOffset = (seqOffset + MIB_1) % DEVICE_BYTES;
    return off;
  }

  // ---- 4 KiB random reads ----

  @Benchmark
  public ByteBuffer rawRandomRead4k() throws IOException {
    PoolBenchSupport.readFully(raw, random4k(), buf4k.clear());
    return buf4k;
  }

  @Benchmark
  public ByteBuffer randomReadMapped4k() throws IOException {
    mapped.read(random4k(), buf4k.clear());
    return buf4k;
  }

  @Benchmark
  public ByteBuffer randomReadShared4k() throws IOException {
    shared.read(random4k(), buf4k.clear());
    return buf4k;
  }

  @Benchmark
  public ByteBuffer randomReadUnmapped4k() throws IOException {
    unmapped.read(random4k(), buf4k.clear());
    return buf4k;
  }

  // ---- 4 KiB random overwrites ----

  @Benchmark
  public void rawRandomWrite4k() throws IOException {
    PoolBenchSupport.writeFully(raw, random4k(), buf4k.clear());
  }

  @Benchmark
  public void randomWriteMapped4k() throws IOException {
    mapped.write(random4k(), buf4k.clear());
  }

  // ---- 1 MiB sequential ----

  @Benchmark
  public ByteBuffer rawSeqRead1m() throws IOException {
    PoolBenchSupport.readFully(raw, nextSeq1m(), buf1m.clear());
    return buf1m;
  }

  @Benchmark
  public ByteBuffer seqReadMapped1m() throws IOException {
    mapped.read(nextSeq1m(), buf1m.clear());
    return buf1m;
  }

  @Benchmark
  public void rawSeqWrite1m() throws IOException {
    PoolBenchSupport.writeFully(raw, nextSeq1m(), buf1m.clear());
  }

  @Benchmark
  public void seqWriteMapped1m() throws IOException {
    mapped.write(nextSeq1m(), buf1m.clear());
  }
}

package org.thinpool.bench;

import static org.thinpool.bench.PoolBenchSupport.BLOCK_BYTES;
import static org.thinpool.bench.PoolBenchSupport.KIB_4;
import static org.thinpool.bench.PoolBenchSupport.MIB_1;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
 * Writes that allocate: the first write to a block (provisioning, with the pool's default zeroing)
 * and a write to a block shared with a snapshot (copy-on-write), against raw {@link FileChannel}
 * overwrites of a fully written file of the same size, in the same run.
 *
 * <p>Every measured write must really allocate, so each iteration gets a fresh empty device and a
 * fresh snapshot of a fully written 1 GiB origin (made in the untimed iteration setup, deleted in
 * the untimed teardown, so the data file stays small), and writes {@value #WRITES_4K} times 4 KiB
 * at a random 4 KiB slot of as many distinct random blocks: each write is a provision or a copy of
 * exactly one block. An iteration is one invocation (single-shot), reported per write. The raw peer
 * writes at the same offsets. {@code rawBlockCopy64k} reads and rewrites the whole 64 KiB block
 * around each offset: the bytes a copy-on-write of a 64 KiB block must move, as a floor. {@code
 * rawBlockCopyToHole64k} copies the same blocks into a sparse file that is all holes (emptied,
 * untimed, before each iteration): what a copy costs when the target is a hole of a sparse file, as
 * the pool's new blocks are once passdown has punched the blocks freed before (here: those of the
 * previous iteration's devices). Nothing is fsynced in the timed part on either side.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4)
@Measurement(iterations = 8)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g", "--enable-native-access=ALL-UNNAMED"})
public class CowPoolBench {
  static final long DEVICE_BYTES = 1L << 30;
  static final long BLOCK_COUNT = DEVICE_BYTES / BLOCK_BYTES;

  /** Half the device's blocks per iteration: long enough to time, 512 MiB of new blocks. */
  static final int WRITES_4K = 8192;

  /** 1 MiB writes per iteration: half the device, sequential from offset 0. */
  static final int WRITES_1M = 512;

  static final long ORIGIN = 1;

  PoolBenchSupport.BenchPool bench;
  ThinPool pool;
  FileChannel raw;
  FileChannel rawSparse;
  ByteBuffer buf4k;
  ByteBuffer buf64k;
  ByteBuffer buf1m;
  SplittableRandom rng;
  long nextId = 100;
  ThinDevice fresh;
  ThinDevice snapshot;
  long[] offsets;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    bench = PoolBenchSupport.BenchPool.create("cow", PoolOptions.ofDataSize(4 * DEVICE_BYTES));
    pool = bench.pool();
    PoolBenchSupport.filledThin(pool, ORIGIN, DEVICE_BYTES, 1);
    pool.commit();
    raw = PoolBenchSupport.rawFile(bench.dir().resolve("raw"), DEVICE_BYTES, 1);
    rawSparse =
        FileChannel.open(
            bench.dir().resolve("raw-sparse"),
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    buf4k = PoolBenchSupport.randomBuffer(KIB_4, 3);
    buf64k = ByteBuffer.allocateDirect((int) BLOCK_BYTES);
    buf1m = PoolBenchSupport.randomBuffer(MIB_1, 4);
    rng = new SplittableRandom(5);
  }

  /** A fresh empty device and a fresh snapshot of the origin; new random distinct offsets. */
  @Setup(Level.Iteration)
  public void freshDevices() throws IOException {
    fresh = pool.createThin(nextId++, DEVICE_BYTES);
    snapshot = pool.createSnapshot(nextId++, ORIGIN);
    offsets = PoolBenchSupport.distinctBlockOffsets(WRITES_4K, BLOCK_COUNT, rng);
    rawSparse.truncate(0); // every block a hole again
    PoolBenchSupport.writeFully(rawSparse, DEVICE_BYTES - 1, ByteBuffer.allocate(1));
  }

  /** Deleting (passdown) frees and punches the iteration's blocks. */
  @TearDown(Level.Iteration)
  public void deleteDevices() throws IOException {
    pool.delete(fresh.id());
    pool.delete(snapshot.id());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    try {
      raw.close();
      rawSparse.close();
    } finally {
      bench.close();
    }
  }

  // ---- 4 KiB at distinct random blocks ----

  @Benchmark
  @OperationsPerInvocation(WRITES_4K)
  public void rawRandomWrite4k() throws IOException {
    for (long off : offsets) {
      PoolBenchSupport.writeFully(raw, off, buf4k.clear());
    }
  }

  @Benchmark
  @OperationsPerInvocation(WRITES_4K)
  public void rawBlockCopy64k() throws IOException {
    for (long off : offsets) {
      long block = off - off % BLOCK_BYTES;
      PoolBenchSupport.readFully(raw, block, buf64k.clear());
      PoolBenchSupport.writeFully(raw, block, buf64k.flip());
    }
  }

  @Benchmark
  @OperationsPerInvocation(WRITES_4K)
  public void rawBlockCopyToHole64k() throws IOException {
    for (long off : offsets) {
      long block = off - off % BLOCK_BYTES;
      PoolBenchSupport.readFully(raw, block, buf64k.clear());
      PoolBenchSupport.writeFully(rawSparse, block, buf64k.flip());
    }
  }

  @Benchmark
  @OperationsPerInvocation(WRITES_4K)
  public void randomWriteUnmapped4k() throws IOException {
    for (long off : offsets) {
      fresh.write(off, buf4k.clear());
    }
  }

  @Benchmark
  @OperationsPerInvocation(WRITES_4K)
  public void randomWriteShared4k() throws IOException {
    for (long off : offsets) {
      snapshot.write(off, buf4k.clear());
    }
  }

  // ---- 1 MiB sequential, half the device ----

  @Benchmark
  @OperationsPerInvocation(WRITES_1M)
  public void rawSeqWrite1m() throws IOException {
    for (long i = 0; i < WRITES_1M; i++) {
      PoolBenchSupport.writeFully(raw, i * MIB_1, buf1m.clear());
    }
  }

  @Benchmark
  @OperationsPerInvocation(WRITES_1M)
  public void seqWriteUnmapped1m() throws IOException {
    for (long i = 0; i < WRITES_1M; i++) {
      fresh.write(i * MIB_1, buf1m.clear());
    }
  }

  @Benchmark
  @OperationsPerInvocation(WRITES_1M)
  public void seqWriteShared1m() throws IOException {
    for (long i = 0; i < WRITES_1M; i++) {
      snapshot.write(i * MIB_1, buf1m.clear());
    }
  }
}

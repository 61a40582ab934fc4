package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.thinpool.io.FileBlockDevice;

/**
 * Issue 9 item 11's in-process row: a 4 KiB copy-on-write (a write into a snapshot of a fully
 * written device, every write the first to its 64 KiB block) against the bare Java job it must
 * match, "read 64 KiB, write it to a new block" ({@code rawCopy64k}: a positional read of the block
 * from a fully written file into a direct buffer, and a positional write of it at the same offset
 * of a second file), in the same run. In this package so that it can choose the data area's fill
 * ({@link DataArea.Tuning}) through {@link PoolHooks}.
 *
 * <p>{@code variant} = data file state - fill: {@code cold}: the new blocks land in holes (the pool
 * deletes each iteration's snapshot with passdown, punching its blocks; the raw target file is
 * truncated and re-extended, all holes); {@code preallocated}: the free part of the pool's data
 * file and the whole raw target are fallocated (untimed) before each iteration. {@code buffer}: the
 * copy goes through a JVM buffer (read the old block, write the merged block); {@code kernel}:
 * copy_file_range around the written 4 KiB; {@code kernel+chunks}: that, and the pool preallocates
 * 16 MiB chunks ahead of the allocator itself (timed: its fallocate calls are in the writes).
 *
 * <p>30 warm-up iterations: the pool's metadata steps (lookup, allocation, mapping) took 4-5 us a
 * write until C2 settled them at 1.5-2 us, at the 16th-17th iteration of 2,048 writes (timers
 * around the steps, session 11); measuring before that measured the compiler.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 30)
@Measurement(iterations = 20)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class CowCopyBench {
  static final long BLOCK_BYTES = 64 << 10;
  static final long DEVICE_BYTES = 256L << 20;
  static final long BLOCK_COUNT = DEVICE_BYTES / BLOCK_BYTES;

  /** Half the origin's blocks per iteration, each written once. */
  static final int WRITES = 2048;

  static final long ORIGIN = 1;

  @Param({
    "cold-buffer",
    "cold-kernel",
    "cold-kernel+chunks",
    "preallocated-buffer",
    "preallocated-kernel"
  })
  public String variant;

  Path dir;
  ThinPool pool;
  ThinDevice snapshot;
  FileChannel rawSource;
  FileChannel rawTarget;
  ByteBuffer buf4k;
  ByteBuffer buf64k;
  long[] offsets;
  SplittableRandom rng = new SplittableRandom(5);
  long nextId = 100;

  /** Raw / pool time of each measured (not warm-up) {@link #interleaved} iteration. */
  final List<Double> ratios = new ArrayList<>();

  boolean measuring;

  private boolean preallocated() {
    return variant.startsWith("preallocated");
  }

  private DataArea.Tuning tuning() {
    return switch (variant.substring(variant.indexOf('-') + 1)) {
      case "buffer" -> new DataArea.Tuning(false, 0);
      case "kernel" -> new DataArea.Tuning(true, 0);
      case "kernel+chunks" -> new DataArea.Tuning(true, 256);
      default -> throw new AssertionError(variant);
    };
  }

  @Setup(Level.Trial)
  public void setup() throws IOException {
    dir = Files.createTempDirectory("thinpool-cowcopy-");
    pool =
        ThinPool.create(
            dir.resolve("pool"),
            PoolOptions.ofDataSize(4 * DEVICE_BYTES),
            PoolHooks.NONE.withDataTuning(tuning()));
    ThinDevice origin = pool.createThin(ORIGIN, DEVICE_BYTES);
    ByteBuffer chunk = random((int) BLOCK_BYTES, 1);
    rawSource =
        FileChannel.open(
            dir.resolve("raw"),
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    for (long off = 0; off < DEVICE_BYTES; off += BLOCK_BYTES) {
      chunk.clear().putLong(0, off);
      origin.write(off, chunk);
      chunk.clear().putLong(0, off);
      writeFully(rawSource, off, chunk);
    }
    pool.commit();
    rawSource.force(true);
    rawTarget =
        FileChannel.open(
            dir.resolve("raw-target"),
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    buf4k = random(4096, 3);
    buf64k = ByteBuffer.allocateDirect((int) BLOCK_BYTES);
  }

  /** A fresh snapshot of the origin and a fresh raw target; new random distinct offsets. */
  @Setup(Level.Iteration)
  public void fresh(IterationParams iteration) throws IOException {
    measuring = iteration.getType() == IterationType.MEASUREMENT;
    snapshot = pool.createSnapshot(nextId++, ORIGIN);
    offsets = distinctBlockOffsets(rng);
    rawTarget.truncate(0); // every block a hole again
    writeFully(rawTarget, DEVICE_BYTES - 1, ByteBuffer.allocate(1));
    if (preallocated()) {
      try (FileBlockDevice t = FileBlockDevice.open(dir.resolve("raw-target"));
          FileBlockDevice d =
              FileBlockDevice.open(dir.resolve("pool").resolve(ThinPool.DATA_FILE))) {
        if (!t.preallocate(0, DEVICE_BYTES) || !d.preallocate(0, d.sizeBytes())) {
          throw new IOException("fallocate is not available here");
        }
      }
    }
  }

  /** Deleting with passdown frees and punches the iteration's new blocks: holes again. */
  @TearDown(Level.Iteration)
  public void deleteSnapshot() throws IOException {
    pool.delete(snapshot.id());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    if (!ratios.isEmpty()) {
      double[] r = ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      System.out.println(
          String.format(
              Locale.ROOT,
              "%n%s: interleaved ratio of medians raw/pool per iteration %s, median %.3f",
              variant,
              ratios,
              r[r.length / 2]));
    }
    try {
      rawSource.close();
      rawTarget.close();
      pool.close();
    } finally {
      deleteTree(dir);
    }
  }

  /** Deletes {@code dir} and everything below it. */
  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(WRITES)
  public void cowWrite4k() throws IOException {
    for (long off : offsets) {
      snapshot.write(off, buf4k.clear());
    }
  }

  @Benchmark
  @OperationsPerInvocation(WRITES)
  public void rawCopy64k() throws IOException {
    for (long off : offsets) {
      copyBlock(off - off % BLOCK_BYTES);
    }
  }

  /**
   * Both jobs alternating write by write, each timed on its own: on a machine whose load moves
   * while the benchmark runs (this one is shared), the two separate benchmarks above may run under
   * different loads; here every pool write and its raw copy see the same moment. Reports the pool's
   * time per write; per iteration it records the ratio of the median raw copy to the median pool
   * write (medians: a write preempted by another process is an outlier, not the figure), printed
   * with the median over the trial at its end.
   */
  @Benchmark
  @OperationsPerInvocation(WRITES)
  public void interleaved() throws IOException {
    for (int i = 0; i < WRITES; i++) {
      long off = offsets[i];
      long t0 = System.nanoTime();
      snapshot.write(off, buf4k.clear());
      long t1 = System.nanoTime();
      copyBlock(off - off % BLOCK_BYTES);
      poolNanos[i] = t1 - t0;
      rawNanos[i] = System.nanoTime() - t1;
    }
    if (measuring) {
      Arrays.sort(poolNanos);
      Arrays.sort(rawNanos);
      ratios.add((double) rawNanos[WRITES / 2] / poolNanos[WRITES / 2]);
    }
  }

  private final long[] poolNanos = new long[WRITES];
  private final long[] rawNanos = new long[WRITES];

  private void copyBlock(long block) throws IOException {
    buf64k.clear();
    while (buf64k.hasRemaining()) {
      if (rawSource.read(buf64k, block + buf64k.position()) < 0) {
        throw new IOException("short read at " + block);
      }
    }
    writeFully(rawTarget, block, buf64k.flip());
  }

  private static ByteBuffer random(int sizeBytes, long seed) {
    byte[] b = new byte[sizeBytes];
    new SplittableRandom(seed).nextBytes(b);
    return ByteBuffer.allocateDirect(sizeBytes).put(b).flip();
  }

  private static void writeFully(FileChannel ch, long offsetBytes, ByteBuffer src)
      throws IOException {
    long pos = offsetBytes;
    while (src.hasRemaining()) {
      pos += ch.write(src, pos);
    }
  }

  /** {@link #WRITES} 4 KiB-aligned offsets in distinct random blocks of the device. */
  static long[] distinctBlockOffsets(SplittableRandom rng) {
    long[] blocks = new long[(int) BLOCK_COUNT];
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = i;
    }
    long[] out = new long[WRITES];
    for (int i = 0; i < WRITES; i++) {
      int j = i + rng.nextInt(blocks.length - i);
      long t = blocks[j];
      blocks[j] = blocks[i];
      blocks[i] = t;
      out[i] = t * BLOCK_BYTES + rng.nextInt((int) (BLOCK_BYTES / 4096)) * 4096L;
    }
    return out;
  }
}

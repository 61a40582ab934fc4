package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.thinpool.io.BlockDevice;

/**
 * What a copy-on-write costs besides its data I/O: {@link CowCopyBench}'s writes (a 4 KiB write
 * into a snapshot of a fully written 256 MiB device, each the first to its 64 KiB block, 2,048 per
 * iteration, a fresh snapshot each iteration) on a pool whose data device moves no bytes (reads
 * leave the buffer as it is, writes drop it; everything else is the real file's). So the figure is
 * the pool's own steps: block locks, the lookup, the allocation, the mapping, the fill's buffer
 * handling. Run it with {@code -prof gc} for the garbage per write, which a server pays for in
 * collections and, on a heap not yet touched, in page faults.
 *
 * <p>300 warm-up iterations: an iteration takes a few milliseconds, and C2's queue (two vCPUs here)
 * reaches the write path's methods only after ~4 s of run time; before that the figure is 2-3x
 * higher (session 12, {@code -XX:+PrintCompilation}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 300)
@Measurement(iterations = 100)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class CowMetadataBench {
  static final long BLOCK_BYTES = CowCopyBench.BLOCK_BYTES;
  static final long DEVICE_BYTES = CowCopyBench.DEVICE_BYTES;
  static final int WRITES = CowCopyBench.WRITES;

  Path dir;
  ThinPool pool;
  ThinDevice snapshot;
  ByteBuffer buf4k;
  long[] offsets;
  final SplittableRandom rng = new SplittableRandom(5);
  long nextId = 100;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    dir = Files.createTempDirectory("thinpool-cowmeta-");
    pool =
        ThinPool.create(
            dir.resolve("pool"),
            PoolOptions.ofDataSize(4 * DEVICE_BYTES),
            PoolHooks.NONE.withDevices(PoolHooks.AS_IS, (path, device) -> new NoBytes(device)));
    ThinDevice origin = pool.createThin(1, DEVICE_BYTES);
    ByteBuffer chunk = ByteBuffer.allocateDirect((int) BLOCK_BYTES);
    for (long off = 0; off < DEVICE_BYTES; off += BLOCK_BYTES) {
      origin.write(off, chunk.clear());
    }
    pool.commit();
    buf4k = ByteBuffer.allocateDirect(4096);
  }

  @Setup(Level.Iteration)
  public void fresh() throws IOException {
    snapshot = pool.createSnapshot(nextId++, 1);
    offsets = CowCopyBench.distinctBlockOffsets(rng);
  }

  @TearDown(Level.Iteration)
  public void deleteSnapshot() throws IOException {
    pool.delete(snapshot.id());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    try {
      pool.close();
    } finally {
      CowCopyBench.deleteTree(dir);
    }
  }

  @Benchmark
  @OperationsPerInvocation(WRITES)
  public void cowWrite4k() throws IOException {
    for (long off : offsets) {
      snapshot.write(off, buf4k.clear());
    }
  }

  /** The data file with its bytes left out: reads and writes only move the buffer's position. */
  static final class NoBytes implements BlockDevice {
    private final BlockDevice file;

    NoBytes(BlockDevice file) {
      this.file = file;
    }

    @Override
    public long sizeBytes() throws IOException {
      return file.sizeBytes();
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) {
      dst.position(dst.limit());
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src) {
      src.position(src.limit());
    }

    @Override
    public void sync() throws IOException {
      file.sync();
    }

    @Override
    public void discard(long offsetBytes, long lengthBytes) throws IOException {
      file.discard(offsetBytes, lengthBytes);
    }

    @Override
    public void resize(long sizeBytes) throws IOException {
      file.resize(sizeBytes);
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }
}

package org.thinpool.bench;

import static org.thinpool.bench.PoolBenchSupport.BLOCK_BYTES;

import java.io.IOException;
import java.nio.file.Path;
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
import org.thinpool.io.FileBlockDevice;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;
import org.thinpool.thin.ThinMetadata;

/**
 * Snapshot creation of a device with {@code mappedBlocks} mapped blocks, three ways:
 *
 * <ul>
 *   <li>{@code poolCreateSnapshot}: {@link ThinPool#createSnapshot}, the public call, durable on
 *       return: it commits what came before, stores the size table (fsync, rename, fsync of the
 *       directory), creates the snapshot and commits (data fsync, metadata fsyncs).
 *   <li>{@code metadataCreateSnap}: {@link ThinMetadata#createSnap} alone, from a freshly committed
 *       state (the commit is in the untimed per-invocation setup): the in-memory metadata change,
 *       what dm-thin's {@code create_snap} message does before its commit.
 *   <li>{@code metadataCreateSnapAndCommit}: the same plus {@link ThinMetadata#commit}.
 * </ul>
 *
 * <p>The origin's mappings are made through {@link ThinMetadata} on the pool's own metadata file
 * (the pool closed meanwhile), not by writing data: 1,000,000 blocks would be 64 GiB of data (4 GiB
 * even with 4 KiB writes), and snapshot creation never reads the data. The data file is sparse.
 * Snapshots made in an iteration are deleted in its untimed teardown, so the number of devices
 * stays small.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g"})
public class SnapshotPoolBench {
  static final long ORIGIN = 1;
  static final long FIRST_SNAPSHOT = 1000;

  /** Inserts are committed in batches of this many, as a pool under writes would. */
  static final int COMMIT_EVERY_MAPPINGS = 100_000;

  /** A pool directory holding device {@link #ORIGIN} with {@code mappedBlocks} mappings. */
  @State(Scope.Benchmark)
  public static class Origin {
    @Param({"1", "1000000"})
    public long mappedBlocks;

    Path dir;
    Path poolDir;

    @Setup(Level.Trial)
    public void build() throws IOException {
      dir = PoolBenchSupport.tempDir("snap");
      poolDir = dir.resolve("pool");
      // The pool closes before the origin is filled through the metadata (see above).
      PoolOptions opts = PoolBenchSupport.sparseOptions(mappedBlocks);
      try (ThinPool pool = ThinPool.create(poolDir, opts)) {
        pool.createThin(ORIGIN, mappedBlocks * BLOCK_BYTES);
      }
      try (ThinMetadata md = openMetadata(poolDir)) {
        for (long v = 0; v < mappedBlocks; v++) {
          md.insertMapping(ORIGIN, v, md.allocDataBlock());
          if ((v + 1) % COMMIT_EVERY_MAPPINGS == 0) {
            md.commit();
          }
        }
        md.commit();
        if (md.details(ORIGIN).mappedBlocks() != mappedBlocks) {
          throw new AssertionError("origin has " + md.details(ORIGIN).mappedBlocks());
        }
      }
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
      PoolBenchSupport.deleteTree(dir);
    }
  }

  static ThinMetadata openMetadata(Path poolDir) throws IOException {
    return ThinMetadata.open(
        FileBlockDevice.open(poolDir.resolve(ThinPool.METADATA_FILE)),
        false,
        BlockManager.DEFAULT_CACHE_BLOCKS);
  }

  /** The pool opened on the origin's directory. */
  @State(Scope.Benchmark)
  public static class Pool {
    ThinPool pool;
    long nextId = FIRST_SNAPSHOT;

    @Setup(Level.Trial)
    public void open(Origin o) throws IOException {
      pool = ThinPool.open(o.poolDir);
    }

    @TearDown(Level.Iteration)
    public void deleteSnapshots() throws IOException {
      for (long id = FIRST_SNAPSHOT; id < nextId; id++) {
        pool.delete(id);
      }
      nextId = FIRST_SNAPSHOT;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      pool.close();
    }
  }

  /** The origin's metadata opened directly. */
  @State(Scope.Benchmark)
  public static class Metadata {
    ThinMetadata md;
    long nextId = FIRST_SNAPSHOT;

    @Setup(Level.Trial)
    public void open(Origin o) throws IOException {
      md = openMetadata(o.poolDir);
    }

    /** Untimed: {@code metadataCreateSnap} starts from a committed state every time. */
    @Setup(Level.Invocation)
    public void commitBefore() throws IOException {
      md.commit();
    }

    @TearDown(Level.Iteration)
    public void deleteSnapshots() throws IOException {
      for (long id = FIRST_SNAPSHOT; id < nextId; id++) {
        md.delete(id);
      }
      md.commit();
      nextId = FIRST_SNAPSHOT;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      md.close();
    }
  }

  @Benchmark
  public long poolCreateSnapshot(Pool p) throws IOException {
    return p.pool.createSnapshot(p.nextId++, ORIGIN).id();
  }

  @Benchmark
  public void metadataCreateSnap(Metadata m) throws IOException {
    m.md.createSnap(m.nextId++, ORIGIN);
  }

  @Benchmark
  public void metadataCreateSnapAndCommit(Metadata m) throws IOException {
    m.md.createSnap(m.nextId++, ORIGIN);
    m.md.commit();
  }
}

package org.thinpool.bench;

import java.io.IOException;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeMap;
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
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.thin.Mapping;
import org.thinpool.thin.ThinMetadata;

/**
 * Metadata engine at scale: {@code mappings} spread over 100 devices plus 1,000 snapshots. Lookups
 * are compared with a {@link TreeMap} of the same size in the same run (the O(log n) peer); commits
 * are measured per number of mappings changed since the last commit, with the metadata blocks
 * written per commit reported as a secondary figure.
 *
 * <p>Run: {@code bench/jmh.sh MetadataBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g"})
public class MetadataBench {
  static final int DEVICES = 100;
  static final int SNAPSHOTS = 1000;

  @Param({"10000", "1000000"})
  public int mappings;

  ThinMetadata md;
  TreeMap<Long, Long> peer;
  SplittableRandom rng;
  long perDevice;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(1L << 30);
    md = ThinMetadata.format(dev, 128, 64L * mappings + 2_000_000, 16_384);
    perDevice = mappings / DEVICES;
    peer = new TreeMap<>();
    for (long id = 0; id < DEVICES; id++) {
      md.createThin(id);
      for (long v = 0; v < perDevice; v++) {
        long data = md.allocDataBlock();
        md.insertMapping(id, v * 2, data);
        peer.put(id * (1L << 32) + v * 2, data);
      }
      md.commit();
    }
    for (long s = 0; s < SNAPSHOTS; s++) {
      md.createSnap(DEVICES + s, s % DEVICES);
    }
    md.commit();
    rng = new SplittableRandom(1);
  }

  @Benchmark
  public Mapping lookupMapped() throws IOException {
    long id = rng.nextLong(DEVICES + SNAPSHOTS);
    return md.lookup(id, rng.nextLong(perDevice) * 2);
  }

  @Benchmark
  public Long lookupPeerTreeMap() {
    long id = rng.nextLong(DEVICES);
    return peer.get(id * (1L << 32) + rng.nextLong(perDevice) * 2);
  }

  /**
   * Commit after {@code dirty} mapping overwrites at random devices and keys (done in the
   * per-invocation setup, not timed): the time is the commit alone. The metadata blocks written per
   * commit are printed at the end of the trial ("blocks/commit"), so the cost per dirty block can
   * be read off.
   */
  @State(Scope.Thread)
  public static class CommitState {
    @Param({"1", "100", "10000"})
    public int dirty;

    long commits;
    long blocksWritten;
    long firstWritten;

    @Setup(Level.Trial)
    public void start(MetadataBench b) {
      firstWritten = b.md.blockManager().blocksWritten();
    }

    @Setup(Level.Invocation)
    public void dirtyMappings(MetadataBench b) throws IOException {
      for (int i = 0; i < dirty; i++) {
        long id = b.rng.nextLong(DEVICES);
        long v = b.rng.nextLong(b.perDevice) * 2;
        b.md.insertMapping(id, v, b.md.allocDataBlock());
      }
    }

    @TearDown(Level.Trial)
    public void report() {
      if (commits > 0) {
        System.out.printf(
            Locale.ROOT,
            "%n[commit] dirty=%d: %.1f blocks/commit over %d commits%n",
            dirty,
            (double) blocksWritten / commits,
            commits);
      }
    }
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void commitAfterDirtyMappings(CommitState c) throws IOException {
    long before = md.blockManager().blocksWritten();
    md.commit();
    c.blocksWritten += md.blockManager().blocksWritten() - before;
    c.commits++;
  }
}

package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.testing.CrashDevice;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.Images;
import org.thinpool.testing.Testdata;
import org.thinpool.thin.check.PoolCheck;

/**
 * Power loss at any write or sync: reopening yields exactly the last committed transaction, or the
 * one whose superblock was in flight, and both checkers are clean. Every run derives from one seed,
 * printed on failure; replay with -Dthinpool.crash.seed=SEED.
 */
class CrashRecoveryTest {
  private static final long METADATA_BYTES = 2L << 20;
  private static final long DATA_BLOCKS = 4096;

  @TempDir Path tmp;

  /** A deterministic workload: device ops, mappings, unmaps, commits. */
  static void workload(ThinMetadata md, long seed, List<String> commits) throws IOException {
    Random rng = new Random(seed);
    List<Long> devices = new ArrayList<>();
    long nextId = 0;
    for (int step = 0; step < 120; step++) {
      int op = rng.nextInt(100);
      if (devices.isEmpty() || op < 5) {
        md.createThin(nextId);
        devices.add(nextId++);
      } else if (op < 10) {
        long origin = devices.get(rng.nextInt(devices.size()));
        md.createSnap(nextId, origin);
        devices.add(nextId++);
      } else if (op < 13 && devices.size() > 1) {
        md.delete(devices.remove(rng.nextInt(devices.size())));
      } else if (op < 80) {
        long dev = devices.get(rng.nextInt(devices.size()));
        long vblock = rng.nextInt(600);
        int run = 1 + rng.nextInt(8);
        for (int i = 0; i < run; i++) {
          md.insertMapping(dev, vblock + i, md.allocDataBlock());
        }
      } else if (op < 90) {
        long dev = devices.get(rng.nextInt(devices.size()));
        long begin = rng.nextInt(600);
        md.removeRange(dev, begin, begin + 1 + rng.nextInt(40));
      } else {
        md.commit();
        if (commits != null) {
          commits.add(Images.dump(md));
        }
      }
    }
    md.commit();
    if (commits != null) {
      commits.add(Images.dump(md));
    }
  }

  static MemoryBlockDevice formatted() throws IOException {
    MemoryBlockDevice base = new MemoryBlockDevice(METADATA_BYTES);
    ThinMetadata.format(base, 128, DATA_BLOCKS, 64).commit();
    return base;
  }

  @Test
  void everyCrashPointRecoversTheLastOrInFlightTransaction() throws IOException {
    long seed = Long.getLong("thinpool.crash.seed", 20261128L);
    int points = Testdata.longRun() ? 1000 : 100;
    MemoryBlockDevice base = formatted();
    List<String> commits = new ArrayList<>();
    ThinMetadata ref = ThinMetadata.open(base.copy(), false, 64);
    commits.add(Images.dump(ref));
    CrashDevice counter = new CrashDevice(base.copy(), Long.MAX_VALUE, true);
    try (ThinMetadata md = ThinMetadata.open(counter, false, 64)) {
      workload(md, seed, commits);
    }
    long totalOps = counter.ops();
    Random pick = new Random(seed ^ 0x5DEECE66DL);
    java.util.Set<Integer> outcomes = new java.util.HashSet<>();
    for (int i = 0; i < points; i++) {
      long crashAt = 1 + (long) (pick.nextDouble() * totalOps);
      long fateSeed = pick.nextLong();
      String replay = "seed=" + seed + " crashAt=" + crashAt + " fateSeed=" + fateSeed;
      MemoryBlockDevice after = crashRun(base, seed, crashAt, fateSeed, true);
      int completed = completedCommits;
      outcomes.add(completed);
      try (ThinMetadata md = ThinMetadata.open(after, false, 64)) {
        String got = Images.dump(md);
        List<String> allowed = new ArrayList<>();
        allowed.add(commits.get(completed));
        if (completed + 1 < commits.size()) {
          allowed.add(commits.get(completed + 1));
        }
        assertThat(allowed).as(replay).contains(got);
      }
      assertThat(PoolCheck.run(after).problems()).as(replay).isEmpty();
      if (i % 10 == 0) {
        Path f = tmp.resolve("crash.meta");
        Images.toFile(after, f);
        ExternalTool.Result r = ExternalTool.run("thin_check", f.toString());
        assertThat(r.exitCode()).as(replay + "\n" + r.all()).isZero();
        Files.delete(f);
      }
    }
    // The crash points must spread over the whole workload, not cluster at one commit.
    assertThat(commits.size()).isGreaterThan(8);
    assertThat(outcomes.size()).isGreaterThan(commits.size() / 2);
  }

  private int completedCommits;

  private MemoryBlockDevice crashRun(
      MemoryBlockDevice base, long seed, long crashAt, long fateSeed, boolean honourSync)
      throws IOException {
    CrashDevice dev = new CrashDevice(base.copy(), crashAt, honourSync);
    List<String> done = new ArrayList<>();
    completedCommits = 0;
    try {
      ThinMetadata md = ThinMetadata.open(dev, false, 64);
      workload(md, seed, done);
    } catch (IOException e) {
      assertThat(dev.dead()).as("only the simulated power loss may fail: " + e).isTrue();
    }
    completedCommits = done.size();
    return dev.crash(new Random(fateSeed));
  }

  @Test
  void canaryHarnessCatchesACommitWithoutWriteBarriers() throws IOException {
    long seed = 7;
    MemoryBlockDevice base = formatted();
    List<String> commits = new ArrayList<>();
    commits.add(Images.dump(ThinMetadata.open(base.copy(), false, 64)));
    CrashDevice counter = new CrashDevice(base.copy(), Long.MAX_VALUE, true);
    try (ThinMetadata md = ThinMetadata.open(counter, false, 64)) {
      workload(md, seed, commits);
    }
    Random pick = new Random(seed);
    int caught = 0;
    for (int i = 0; i < 60 && caught == 0; i++) {
      long crashAt = 1 + (long) (pick.nextDouble() * counter.ops());
      MemoryBlockDevice after = crashRun(base, seed, crashAt, pick.nextLong(), false);
      try (ThinMetadata md = ThinMetadata.open(after, true, 64)) {
        String got = Images.dump(md);
        boolean known = commits.contains(got);
        if (!known || !PoolCheck.run(after).clean()) {
          caught++;
        }
      } catch (IOException | RuntimeException | AssertionError e) {
        caught++;
      }
    }
    assertThat(caught).as("the harness must notice lost write barriers").isPositive();
  }
}

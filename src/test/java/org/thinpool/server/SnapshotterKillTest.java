package org.thinpool.server;

import static org.assertj.core.api.Assertions.assertThat;

import containerd.services.snapshots.v1.SnapshotsGrpc.SnapshotsBlockingStub;
import containerd.services.snapshots.v1.SnapshotsOuterClass.MountsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.RemoveSnapshotRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.ThinPool;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.Testdata;

/**
 * Issue 10 item 4: {@code thinpool serve --containerd} in a child JVM is killed with SIGKILL at a
 * random moment of a stream of Prepare / Commit / Remove calls. Restarted, it holds exactly the
 * snapshots of the last acknowledged call, or those plus the call in flight, never a mix; every
 * snapshot's device exists (its mounts work); no device is left without a snapshot; thin_check is
 * clean. Rounds follow each other on the same pool. The seed is printed; the moment of each kill is
 * timing, not seed.
 */
class SnapshotterKillTest {
  private static final int ROUNDS = Testdata.longRun() ? 20 : 3;

  @TempDir Path tmp;

  /** The snapshots containerd would see: name to "active" or "committed" (parents implied). */
  private TreeMap<String, String> model = new TreeMap<>();

  private int counter;

  @Test
  @Timeout(value = 20, unit = TimeUnit.MINUTES)
  void aKilledSnapshotterKeepsRecordsAndDevicesTogether() throws Exception {
    SnapshotterHarness.requireTools();
    ExternalTool.require("thin_check");
    long seed = Long.getLong("thinpool.kill.seed", System.nanoTime());
    System.out.println("SnapshotterKillTest seed " + seed);
    SplittableRandom rnd = new SplittableRandom(seed);
    Path dir = tmp.resolve("pool");
    for (int round = 0; round < ROUNDS; round++) {
      Process child = start(dir, round);
      AtomicReference<TreeMap<String, String>> inFlight = new AtomicReference<>();
      Thread client = Thread.ofPlatform().start(() -> stream(rnd.split(), inFlight));
      Thread.sleep(300 + rnd.nextInt(2500));
      child.destroyForcibly(); // SIGKILL, our own child only
      child.waitFor(60, TimeUnit.SECONDS);
      client.join(120_000);
      check(dir, round, inFlight.get());
    }
    ExternalTool.Result r = ExternalTool.run("thin_check", dir.resolve("metadata").toString());
    assertThat(r.exitCode()).as(r.all()).isZero();
  }

  private Process start(Path dir, int round) throws IOException, InterruptedException {
    Path socket = tmp.resolve("s.sock");
    Files.deleteIfExists(socket);
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            "org.thinpool.cli.Main",
            "--pool",
            dir.toString(),
            "serve",
            "--containerd",
            socket.toString(),
            "--listen",
            "none",
            "--base-size",
            "64M");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(
                tmp.resolve("serve-" + round + "-" + System.nanoTime() + ".log").toFile())
            .start();
    for (int i = 0; i < 1200 && !Files.exists(socket); i++) {
      assertThat(p.isAlive()).as("serve exited early").isTrue();
      p.waitFor(50, TimeUnit.MILLISECONDS);
    }
    assertThat(socket).exists();
    return p;
  }

  /** Calls until the server dies; the model follows every acknowledged call. */
  private void stream(SplittableRandom rnd, AtomicReference<TreeMap<String, String>> in) {
    try (SnapshotterClient c = new SnapshotterClient(tmp.resolve("s.sock"))) {
      SnapshotsBlockingStub s = c.stub();
      while (true) {
        List<String> active = names("active");
        List<String> committed = names("committed");
        TreeMap<String, String> next = new TreeMap<>(model);
        int op = rnd.nextInt(3);
        String name = "s" + counter++;
        try {
          if (op == 0 || active.isEmpty()) {
            String parent = committed.isEmpty() || rnd.nextBoolean() ? "" : pick(committed, rnd);
            next.put(name, "active");
            in.set(next);
            s.prepare(SnapshotterServiceTest.prepare(name, parent));
          } else if (op == 1) {
            String key = pick(active, rnd);
            next.remove(key);
            next.put(name, "committed");
            in.set(next);
            s.commit(SnapshotterServiceTest.commit(name, key));
          } else {
            String key = pick(active, rnd); // actives are leaves: removable
            next.remove(key);
            in.set(next);
            s.remove(RemoveSnapshotRequest.newBuilder().setKey(key).build());
          }
        } catch (StatusRuntimeException e) {
          return; // the kill: the call in flight stays in `in`
        }
        model = next;
        in.set(null);
      }
    }
  }

  private List<String> names(String kind) {
    List<String> out = new ArrayList<>();
    model.forEach(
        (k, v) -> {
          if (v.equals(kind)) {
            out.add(k);
          }
        });
    return out;
  }

  private static String pick(List<String> from, SplittableRandom rnd) {
    return from.get(rnd.nextInt(from.size()));
  }

  private void check(Path dir, int round, TreeMap<String, String> inFlight) throws Exception {
    Process p = start(dir, 100 + round);
    try (SnapshotterClient c = new SnapshotterClient(tmp.resolve("s.sock"))) {
      SnapshotsBlockingStub s = c.stub();
      Map<String, String> seen = new TreeMap<>();
      for (String n : SnapshotterHarness.names(s)) {
        String kind =
            s.stat(
                    containerd.services.snapshots.v1.SnapshotsOuterClass.StatSnapshotRequest
                        .newBuilder()
                        .setKey(n)
                        .build())
                .getInfo()
                .getKind()
                .name()
                .toLowerCase(java.util.Locale.ROOT);
        seen.put(n, kind);
      }
      if (inFlight != null && seen.equals(inFlight)) {
        model = inFlight; // the call in flight had finished
      }
      assertThat(seen).as("round " + round + " (in flight: " + inFlight + ")").isEqualTo(model);
      for (Map.Entry<String, String> e : seen.entrySet()) {
        if (e.getValue().equals("active")) {
          assertThat(
                  s.mounts(MountsRequest.newBuilder().setKey(e.getKey()).build()).getMountsCount())
              .isEqualTo(1); // its device is there
        }
      }
    } finally {
      p.destroy(); // SIGTERM: drains, commits, exits 0
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
    }
    try (ThinPool pool = ThinPool.open(dir)) {
      // the base device plus one per snapshot: nothing leaked, nothing lost
      assertThat(pool.deviceIds()).hasSize(model.size() + 1);
    }
    ExternalTool.Result r = ExternalTool.run("thin_check", dir.resolve("metadata").toString());
    assertThat(r.exitCode()).as(r.all()).isZero();
  }
}

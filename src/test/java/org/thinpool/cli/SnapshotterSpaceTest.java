package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import containerd.types.MountOuterClass.Mount;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.CliRun;
import org.thinpool.testing.JsonReader;
import org.thinpool.testing.KernelMount;
import org.thinpool.testing.SnapshotsClient;

/**
 * Issue 10 item 6 through the served gRPC API: no "device is busy" (Remove of a mounted snapshot
 * completes once unmounted, by itself or by Cleanup), no silent full pool (Prepare refused under
 * --min-free-space), and containers larger than the base (label thinpool.io/size).
 */
class SnapshotterSpaceTest {
  @TempDir Path tmp;

  /** What this test mounted and has not unmounted yet (a failed assertion leaves them). */
  private final List<KernelMount> mounted = new ArrayList<>();

  /**
   * A failing test must not leave its mounts (and their autoclear loop devices) behind, nor the
   * FUSE mount of its killed server: lazily unmounted here, by path, ours only.
   */
  @AfterEach
  void unmountLeftovers() throws IOException {
    for (KernelMount m : mounted) {
      KernelMount.detachIfMounted(m.dir());
    }
    KernelMount.detachIfMounted(tmp.resolve("pool/snapshotter/devices"));
  }

  private ServeProcess serve(Path pool, String... extra) throws Exception {
    List<String> args = ServedContainerd.serveArgs(pool, tmp.resolve("tp.sock"), "64M");
    args.addAll(List.of(extra));
    ServeProcess p = new ServeProcess(tmp, args.toArray(String[]::new));
    p.uris();
    return p;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> info(Path pool) {
    CliRun r = CliRun.run(pool, "info", "--json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    return (Map<String, Object>) JsonReader.parse(r.out());
  }

  @SuppressWarnings("unchecked")
  private static List<String> snapshots(Path pool) {
    List<String> out = new ArrayList<>();
    for (Object d : (List<Object>) info(pool).get("devices")) {
      if (((Map<String, Object>) d).get("snapshot") instanceof String s) {
        out.add(s);
      }
    }
    return out;
  }

  /** Mounts what Prepare returned, as containerd does (mount(8) attaches the loop device). */
  private Path mount(List<Mount> mounts, String name) throws IOException {
    KernelMount m = KernelMount.of(mounts, tmp.resolve("mnt-" + name));
    mounted.add(m);
    return m.dir();
  }

  private void umount(Path dir) throws IOException {
    KernelMount m = new KernelMount(dir);
    m.close();
    mounted.remove(m);
  }

  @Test
  void removeOfAMountedSnapshotCompletesOnceItIsUnmounted() throws Exception {
    Path pool = tmp.resolve("pool");
    try (ServeProcess serve = serve(pool);
        SnapshotsClient c = new SnapshotsClient(tmp.resolve("tp.sock"))) {
      Path byCleanup = mount(c.prepare("by-cleanup", "", Map.of()), "a");
      Path byTimer = mount(c.prepare("by-timer", "", Map.of()), "b");
      Files.writeString(byCleanup.resolve("f"), "in use");
      c.remove("by-cleanup"); // no "device is busy"
      c.remove("by-timer");
      assertThat(info(pool)).containsEntry("deferred_deleted_device_count", 2L);
      assertThat(((List<?>) info(pool).get("devices"))).hasSize(3); // base + the two in use
      assertThat(snapshots(pool)).isEmpty();

      umount(byCleanup);
      c.cleanup(); // finishes what was deferred and is now free
      assertThat(((List<?>) info(pool).get("devices"))).hasSize(2);

      umount(byTimer);
      long deadline = System.nanoTime() + 30_000_000_000L;
      while ((Long) info(pool).get("deferred_deleted_device_count") != 0) {
        assertThat(System.nanoTime()).as("deferred removal by itself").isLessThan(deadline);
        Thread.sleep(100);
      }
      assertThat(((List<?>) info(pool).get("devices"))).hasSize(1); // the base device only
      assertThat(serve.terminate()).as(serve.output()).isZero();
    }
  }

  @Test
  void prepareIsRefusedWhileFreeSpaceIsUnderTheMinimum() throws Exception {
    Path pool = tmp.resolve("pool");
    assertThat(CliRun.run(pool, "create", "--data-size", "256M").exitCode()).isZero();
    try (ServeProcess serve = serve(pool, "--min-free-space", "85");
        SnapshotsClient c = new SnapshotsClient(tmp.resolve("tp.sock"))) {
      Path dir = mount(c.prepare("filler", "", Map.of()), "filler");
      try {
        byte[] chunk = new byte[1 << 20];
        new Random(6).nextBytes(chunk);
        for (int i = 0; i < 40; i++) { // 40 MiB of 256: less than 85 % free after
          Files.write(dir.resolve("f" + i), chunk);
        }
      } finally {
        umount(dir); // flushes the file system
      }
      assertThatThrownBy(() -> c.prepare("refused", "", Map.of()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(e.getStatus().getDescription())
                    .contains("refusing to create snapshot refused")
                    .contains("less than the minimum free space of 85%");
              });
      assertThat(c.usageBytes("filler")).isGreaterThanOrEqualTo(40L << 20);
      c.remove("filler");
      assertThat(c.prepare("accepted", "", Map.of())).hasSize(1); // space is back
      assertThat(serve.terminate()).as(serve.output()).isZero();
    }
  }

  @Test
  void sizeLabelGivesALargerDeviceWithItsFileSystemGrown() throws Exception {
    Path pool = tmp.resolve("pool");
    try (ServeProcess serve = serve(pool);
        SnapshotsClient c = new SnapshotsClient(tmp.resolve("tp.sock"))) {
      Path dir = mount(c.prepare("big", "", Map.of("thinpool.io/size", "256M")), "big");
      long fsBytes;
      try {
        fsBytes = Files.getFileStore(dir).getTotalSpace();
      } finally {
        umount(dir);
      }
      assertThat(fsBytes).isBetween(200L << 20, 256L << 20); // was 64 MiB
      assertThatThrownBy(() -> c.prepare("small", "", Map.of("thinpool.io/size", "32M")))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      assertThatThrownBy(() -> c.prepare("bad", "", Map.of("thinpool.io/size", "lots")))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      assertThat(snapshots(pool)).containsExactly("big");
      assertThat(serve.terminate()).as(serve.output()).isZero();
    }
  }
}

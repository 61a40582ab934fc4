package org.thinpool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm-up before the socket appears ({@link SnapshotterWarmUp}): it goes through the served
 * snapshotter (its Prepare, Commit and Remove are in the records log), leaves no snapshot, no
 * device and no private socket behind, and a warm-up snapshot left by a killed server is removed.
 */
class SnapshotterWarmUpTest {
  @TempDir Path tmp;

  @BeforeEach
  void tools() {
    SnapshotterHarness.requireTools();
  }

  @Test
  void theWarmUpRunsThroughTheServiceAndLeavesNothing() throws Exception {
    Path socket = tmp.resolve("s");
    try (SnapshotterHarness h = new SnapshotterHarness(tmp.resolve("pool"), socket)) {
      Path records = SnapshotterService.stateDir(h.dir).resolve("records");
      String log = new String(Files.readAllBytes(records), StandardCharsets.ISO_8859_1);
      assertThat(log).contains(SnapshotterWarmUp.KEY, SnapshotterWarmUp.NAME);
      assertThat(SnapshotterHarness.names(h.client())).isEmpty();
      assertThat(h.snapshotter().deviceIds()).isEmpty();
      h.assertNoDeviceWithoutASnapshot();
      assertThat(Files.getPosixFilePermissions(socket))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      try (var entries = Files.list(tmp)) {
        assertThat(entries.map(p -> p.getFileName().toString())).containsOnly("pool", "s");
      }
    }
    assertThat(socket).doesNotExist();
  }

  @Test
  void aWarmUpSnapshotLeftByAKilledServerIsRemoved() throws Exception {
    Path pool = tmp.resolve("pool");
    try (SnapshotterHarness h = new SnapshotterHarness(pool, tmp.resolve("s"))) {
      var _ = h.snapshotter().prepare("kept", "", Map.of());
      var _ = h.snapshotter().prepare(SnapshotterWarmUp.KEY, "", Map.of());
      h.snapshotter().commit(SnapshotterWarmUp.NAME, SnapshotterWarmUp.KEY, Map.of());
      var _ = h.snapshotter().prepare(SnapshotterWarmUp.KEY, SnapshotterWarmUp.NAME, Map.of());
    }
    try (SnapshotterHarness h = new SnapshotterHarness(pool, tmp.resolve("s"))) {
      assertThat(SnapshotterHarness.names(h.client())).containsExactly("kept");
      h.assertNoDeviceWithoutASnapshot();
    }
  }
}

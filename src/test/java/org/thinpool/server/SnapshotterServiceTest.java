package org.thinpool.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.FieldMask;
import containerd.services.snapshots.v1.SnapshotsGrpc.SnapshotsBlockingStub;
import containerd.services.snapshots.v1.SnapshotsOuterClass.CommitSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.Info;
import containerd.services.snapshots.v1.SnapshotsOuterClass.Kind;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ListSnapshotsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.MountsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.PrepareSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.RemoveSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.StatSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.UpdateSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ViewSnapshotRequest;
import containerd.types.MountOuterClass.Mount;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.KernelMount;
import org.thinpool.testing.LoopDevices;

/**
 * Issue 10 items 1 and 2 through the real gRPC service: layers are thin snapshots (O(1), no mkfs,
 * no copy), mounts the kernel mounts, containerd's kinds, parents and errors; and (item 1) the
 * socket is owner-only.
 */
class SnapshotterServiceTest {
  @TempDir Path tmp;

  @BeforeEach
  void tools() {
    SnapshotterHarness.requireTools();
  }

  static PrepareSnapshotRequest prepare(String key, String parent) {
    return PrepareSnapshotRequest.newBuilder()
        .setSnapshotter("thinpool")
        .setKey(key)
        .setParent(parent)
        .putLabels("containerd.io/gc.root", "test")
        .build();
  }

  static CommitSnapshotRequest commit(String name, String key) {
    return CommitSnapshotRequest.newBuilder().setName(name).setKey(key).build();
  }

  static Status.Code code(Supplier<?> call) {
    try {
      Object _ = call.get();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    return Status.Code.OK;
  }

  /**
   * Mounts {@code ms} on {@code target} as containerd would: the loop device (attached here, so the
   * test detaches exactly its own), then mount(8).
   */
  record Mounted(KernelMount mount, LoopDevices loops) implements AutoCloseable {
    static Mounted of(List<Mount> ms, Path target) throws IOException {
      assertThat(ms).hasSize(1);
      Mount m = ms.getFirst();
      assertThat(m.getOptionsList()).contains("loop");
      LoopDevices loops = new LoopDevices();
      Path dev = loops.attach(Path.of(m.getSource()));
      List<String> opts = new ArrayList<>(m.getOptionsList());
      opts.remove("loop");
      return new Mounted(KernelMount.of(m.getType(), dev, target, String.join(",", opts)), loops);
    }

    Path target() {
      return mount.dir();
    }

    @Override
    public void close() throws IOException {
      try (loops) {
        mount.close();
      }
    }
  }

  @Test
  void layersAreThinSnapshotsTheKernelMounts() throws Exception {
    try (SnapshotterHarness h = new SnapshotterHarness(tmp.resolve("pool"), tmp.resolve("s"))) {
      SnapshotsBlockingStub c = h.client();
      List<Mount> ms = c.prepare(prepare("layer-1", "")).getMountsList();
      assertThat(ms.getFirst().getType()).isEqualTo("ext4");
      assertThat(ms.getFirst().getOptionsList()).contains("loop", "rw");
      try (Mounted m = Mounted.of(ms, tmp.resolve("m1"))) {
        try (var entries = Files.list(m.target())) {
          assertThat(entries).isEmpty(); // no lost+found: layers start empty
        }
        Files.writeString(m.target().resolve("f"), "layer one", StandardCharsets.UTF_8);
      }
      long device = h.snapshotter().deviceIds().get("layer-1");
      c.commit(commit("L1", "layer-1"));
      assertThat(h.snapshotter().deviceIds()).containsEntry("L1", device); // nothing copied
      Info l1 = c.stat(StatSnapshotRequest.newBuilder().setKey("L1").build()).getInfo();
      assertThat(l1.getKind()).isEqualTo(Kind.COMMITTED);
      assertThat(l1.getParent()).isEmpty();

      long usedBefore = h.server.pool().status().dataBlocksUsed();
      List<Mount> child = c.prepare(prepare("container", "L1")).getMountsList();
      List<Mount> view =
          c.view(ViewSnapshotRequest.newBuilder().setKey("v").setParent("L1").build())
              .getMountsList();
      // O(1): a snapshot allocates no data block; no mkfs, no copy
      assertThat(h.server.pool().status().dataBlocksUsed()).isEqualTo(usedBefore);
      assertThat(view.getFirst().getOptionsList()).contains("ro");
      try (Mounted m = Mounted.of(child, tmp.resolve("m2"));
          Mounted v = Mounted.of(view, tmp.resolve("m3"))) {
        assertThat(Files.readString(m.target().resolve("f"))).isEqualTo("layer one");
        Files.writeString(m.target().resolve("f"), "changed in the container");
        assertThat(Files.readString(v.target().resolve("f"))).isEqualTo("layer one");
        assertThatThrownBy(() -> Files.writeString(v.target().resolve("g"), "x"))
            .isInstanceOf(IOException.class);
      }
      Info ci = c.stat(StatSnapshotRequest.newBuilder().setKey("container").build()).getInfo();
      assertThat(ci.getKind()).isEqualTo(Kind.ACTIVE);
      assertThat(ci.getParent()).isEqualTo("L1");
      assertThat(ci.getCreatedAt()).isEqualTo(ci.getUpdatedAt());
      h.assertNoDeviceWithoutASnapshot();
    }
  }

  /** Writable mounts keep no access times: a read in a container writes nothing (item 10). */
  @Test
  void readingAFileInAContainerDoesNotUpdateItsAccessTime() throws Exception {
    try (SnapshotterHarness h = new SnapshotterHarness(tmp.resolve("pool"), tmp.resolve("s"))) {
      SnapshotsBlockingStub c = h.client();
      FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
      try (Mounted m = Mounted.of(c.prepare(prepare("l", "")).getMountsList(), tmp.resolve("m1"))) {
        Path f = m.target().resolve("f");
        Files.writeString(f, "layer");
        // atime before mtime: relatime (the kernel's default) would update it on the next read
        Files.getFileAttributeView(f, BasicFileAttributeView.class).setTimes(null, old, null);
      }
      c.commit(commit("L", "l"));
      List<Mount> ms = c.prepare(prepare("container", "L")).getMountsList();
      assertThat(ms.getFirst().getOptionsList()).contains("rw", "noatime");
      try (Mounted m = Mounted.of(ms, tmp.resolve("m2"))) {
        Path f = m.target().resolve("f");
        assertThat(Files.readString(f)).isEqualTo("layer");
        assertThat(Files.getAttribute(f, "lastAccessTime")).isEqualTo(old);
      }
    }
  }

  @Test
  void theSocketIsOwnerOnlyAndTheBaseIsFormattedOnce() throws Exception {
    long base;
    try (SnapshotterHarness h = new SnapshotterHarness(tmp.resolve("pool"), tmp.resolve("s"))) {
      assertThat(Files.getPosixFilePermissions(h.socket))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      try (var entries = Files.list(tmp)) { // bound in a private folder, moved, folder gone
        assertThat(entries.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("pool", "s");
      }
      base = h.snapshotter().baseDeviceId();
      h.client().prepare(prepare("a", ""));
      h.client().commit(commit("A", "a"));
      h.client().prepare(prepare("b", "A"));
    }
    long mapped;
    try (SnapshotterHarness h = new SnapshotterHarness(tmp.resolve("pool"), tmp.resolve("s"))) {
      assertThat(h.snapshotter().baseDeviceId()).isEqualTo(base);
      mapped = h.server.pool().thinStatus(base).mappedBlocks();
      assertThat(SnapshotterHarness.names(h.client())).containsExactly("A", "b");
      h.assertNoDeviceWithoutASnapshot();
    }
    try (SnapshotterHarness h = new SnapshotterHarness(tmp.resolve("pool"), tmp.resolve("s"))) {
      assertThat(h.server.pool().thinStatus(base).mappedBlocks()).isEqualTo(mapped);
    }
  }

  @Test
  void errorsFollowContainerdsContract() throws Exception {
    try (SnapshotterHarness h = new SnapshotterHarness(tmp.resolve("pool"), tmp.resolve("s"))) {
      SnapshotsBlockingStub c = h.client();
      c.prepare(prepare("a", ""));
      c.commit(commit("A", "a"));
      c.prepare(prepare("child", "A"));
      c.view(ViewSnapshotRequest.newBuilder().setKey("v").setParent("A").build());

      assertThat(code(() -> c.stat(StatSnapshotRequest.newBuilder().setKey("nope").build())))
          .isEqualTo(Status.Code.NOT_FOUND);
      assertThat(code(() -> c.prepare(prepare("x", "missing-parent"))))
          .isEqualTo(Status.Code.NOT_FOUND);
      assertThat(code(() -> c.remove(RemoveSnapshotRequest.newBuilder().setKey("nope").build())))
          .isEqualTo(Status.Code.NOT_FOUND);
      assertThat(code(() -> c.commit(commit("N", "nope")))).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(code(() -> c.prepare(prepare("child", "A"))))
          .isEqualTo(Status.Code.ALREADY_EXISTS);
      assertThat(code(() -> c.prepare(prepare("A", "")))).isEqualTo(Status.Code.ALREADY_EXISTS);
      assertThat(code(() -> c.commit(commit("A", "child")))).isEqualTo(Status.Code.ALREADY_EXISTS);
      assertThat(code(() -> c.commit(commit("V", "v")))).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(code(() -> c.mounts(MountsRequest.newBuilder().setKey("A").build())))
          .isEqualTo(Status.Code.FAILED_PRECONDITION);
      StatusRuntimeException parentGone =
          (StatusRuntimeException)
              catchThrown(() -> c.remove(RemoveSnapshotRequest.newBuilder().setKey("A").build()));
      assertThat(parentGone.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(parentGone.getMessage()).contains("remove"); // containerd's suite looks for it
      assertThat(code(() -> c.prepare(prepare("", "")))).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(code(() -> c.prepare(prepare("k".repeat(5000), ""))))
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(code(() -> c.prepare(prepare("on-active", "child"))))
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(
              code(
                  () ->
                      c.prepare(
                          prepare("big-label", "").toBuilder()
                              .putLabels("l", "v".repeat(5000))
                              .build())))
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      UpdateSnapshotRequest parentUpdate =
          UpdateSnapshotRequest.newBuilder()
              .setInfo(Info.newBuilder().setName("A").setParent("elsewhere"))
              .setUpdateMask(FieldMask.newBuilder().addPaths("parent"))
              .build();
      assertThat(code(() -> c.update(parentUpdate))).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(
              code(
                  () ->
                      ImmutableList.copy(
                          c.list(ListSnapshotsRequest.newBuilder().addFilters("name==").build()))))
          .isEqualTo(Status.Code.INVALID_ARGUMENT);

      // path-like keys are names, never paths: nothing is made outside the state folder
      for (String key : List.of("../../../escaped", "/etc/passwd", "a/../../b", "./.")) {
        c.prepare(prepare(key, ""));
        assertThat(c.stat(StatSnapshotRequest.newBuilder().setKey(key).build()).getInfo().getName())
            .isEqualTo(key);
        c.remove(RemoveSnapshotRequest.newBuilder().setKey(key).build());
      }
      assertThat(tmp.resolve("escaped")).doesNotExist();
      assertThat(SnapshotterHarness.names(h.client())).containsExactly("A", "child", "v");
      h.assertNoDeviceWithoutASnapshot();
    }
  }

  static Throwable catchThrown(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("no exception");
  }

  /** Drains a server stream (its errors come while reading). */
  static final class ImmutableList {
    private ImmutableList() {}

    static <T> List<T> copy(java.util.Iterator<T> it) {
      List<T> out = new ArrayList<>();
      it.forEachRemaining(out::add);
      return out;
    }
  }
}

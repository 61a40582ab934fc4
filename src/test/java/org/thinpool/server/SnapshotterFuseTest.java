package org.thinpool.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.testing.ExternalTool.ok;

import containerd.services.snapshots.v1.SnapshotsGrpc;
import containerd.services.snapshots.v1.SnapshotsOuterClass.PrepareSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.RemoveSnapshotRequest;
import containerd.types.MountOuterClass.Mount;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;
import org.thinpool.snapshotter.FsType;
import org.thinpool.snapshotter.Snapshotter;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.FuseHost;
import org.thinpool.testing.LoopDevices;

/**
 * The snapshotter's default device files are the in-process FUSE file system: Prepare's mount
 * source is {@code POOL/snapshotter/devices/<thin id>}, the kernel loop-mounts it, and a Remove
 * right after the unmount is not refused as busy (the asynchronous releases are waited for).
 */
class SnapshotterFuseTest {
  static final long MIB = 1 << 20;

  @TempDir Path tmp;

  @Test
  void prepareReturnsAFuseFileTheKernelMountsAndRemoveFollowsTheUnmount() throws Exception {
    FuseHost.require();
    ExternalTool.require("mkfs.ext4");
    Path sock = tmp.resolve("snap.sock");
    ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(512 * MIB));
    SnapshotterService svc =
        new SnapshotterService(sock, new Snapshotter.Options(64 * MIB, FsType.EXT4));
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try (ThinpoolServer server = ThinpoolServer.start(pool, List.of(svc));
        LoopDevices loops = new LoopDevices()) {
      ManagedChannel ch = SnapshotsChannels.open(sock, loop);
      try {
        var stub = SnapshotsGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
        List<Mount> mounts =
            stub.prepare(
                    PrepareSnapshotRequest.newBuilder()
                        .setSnapshotter("thinpool")
                        .setKey("c1")
                        .build())
                .getMountsList();
        assertThat(mounts).hasSize(1);
        Path source = Path.of(mounts.get(0).getSource());
        assertThat(source.getParent())
            .isEqualTo(tmp.resolve("pool/snapshotter/devices").toAbsolutePath());
        assertThat(Files.size(source)).isEqualTo(64 * MIB);
        Path dev = loops.attach(source);
        Path mnt = tmp.resolve("mnt");
        Files.createDirectories(mnt);
        ok(
            ExternalTool.run(
                "mount", "-t", "ext4", "-o", "rw,discard", dev.toString(), mnt.toString()));
        Files.writeString(mnt.resolve("hello"), "from a container layer");
        ok(ExternalTool.run("umount", mnt.toString()));
        loops.close();
        stub.remove(
            RemoveSnapshotRequest.newBuilder().setSnapshotter("thinpool").setKey("c1").build());
      } finally {
        ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    } finally {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
    assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
        .doesNotContain(tmp.resolve("pool/snapshotter/devices").toString());
  }
}

package org.thinpool.testing;

import containerd.services.snapshots.v1.SnapshotsGrpc;
import containerd.services.snapshots.v1.SnapshotsOuterClass.CleanupRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.PrepareSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.RemoveSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.UsageRequest;
import containerd.types.MountOuterClass.Mount;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.thinpool.server.SnapshotsChannels;

/** A gRPC client of a served snapshotter's socket, as containerd's proxy plugin talks to it. */
public final class SnapshotsClient implements AutoCloseable {
  private final EventLoopGroup loop =
      new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private final ManagedChannel channel;
  private final SnapshotsGrpc.SnapshotsBlockingStub stub;

  public SnapshotsClient(Path socket) {
    channel = SnapshotsChannels.open(socket, loop);
    stub = SnapshotsGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES);
  }

  public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
    return stub.prepare(
            PrepareSnapshotRequest.newBuilder()
                .setSnapshotter("thinpool")
                .setKey(key)
                .setParent(parent)
                .putAllLabels(labels)
                .build())
        .getMountsList();
  }

  public void remove(String key) {
    var _ =
        stub.remove(
            RemoveSnapshotRequest.newBuilder().setSnapshotter("thinpool").setKey(key).build());
  }

  public void cleanup() {
    var _ = stub.cleanup(CleanupRequest.newBuilder().setSnapshotter("thinpool").build());
  }

  public long usageBytes(String key) {
    return stub.usage(UsageRequest.newBuilder().setSnapshotter("thinpool").setKey(key).build())
        .getSize();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}

package org.thinpool.server;

import containerd.services.snapshots.v1.SnapshotsGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** One gRPC client connection to a snapshotter socket served by another process. */
final class SnapshotterClient implements AutoCloseable {
  private final EventLoopGroup loops =
      new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private final ManagedChannel channel;

  SnapshotterClient(Path socket) {
    channel = SnapshotsChannels.open(socket, loops);
  }

  SnapshotsGrpc.SnapshotsBlockingStub stub() {
    return SnapshotsGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
  }
}

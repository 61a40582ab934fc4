package org.thinpool.server;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;

/**
 * A gRPC client channel to a snapshotter's Unix socket, as containerd's proxy plugin opens one:
 * plaintext HTTP/2 over an epoll domain socket, on the caller's event loops (which the caller shuts
 * down after the channel). The server's warm-up, the release's serve training, the load benchmark
 * and the tests all talk to the socket through this.
 */
public final class SnapshotsChannels {
  private SnapshotsChannels() {}

  /** A channel to the snapshotter listening at {@code socket}, running on {@code loops}. */
  public static ManagedChannel open(Path socket, EventLoopGroup loops) {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(loops)
        .usePlaintext()
        .build();
  }
}

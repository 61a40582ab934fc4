package org.thinpool.server;

import containerd.services.snapshots.v1.SnapshotsGrpc;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ListSnapshotsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ListSnapshotsResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;
import org.thinpool.snapshotter.FsType;
import org.thinpool.snapshotter.Snapshotter;
import org.thinpool.testing.ExternalTool;

/**
 * A snapshotter served in this JVM, as {@code serve --containerd} does it: the pool, an NBD server
 * on the snapshotter's Unix socket (for the nbdfuse device files) and the gRPC service on {@link
 * #socket}; plus gRPC clients on that socket. Closing stops the server (drains, commits).
 */
final class SnapshotterHarness implements AutoCloseable {
  static final long BASE_BYTES = 64L << 20;

  final Path dir;
  final Path socket;
  final ThinpoolServer server;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final EventLoopGroup clientLoops =
      new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());

  /** Skips (or fails under CI) where the tools the device files and the base device need lack. */
  static void requireTools() {
    for (String tool : List.of("nbdfuse", "fusermount3", "mkfs.ext4", "debugfs")) {
      ExternalTool.require(tool);
    }
  }

  SnapshotterHarness(Path dir, Path socket) throws IOException {
    this.dir = dir;
    this.socket = socket;
    ThinPool pool =
        Files.exists(dir.resolve(ThinPool.METADATA_FILE))
            ? ThinPool.open(dir)
            : ThinPool.create(dir, PoolOptions.ofDataSize(1L << 30));
    Files.createDirectories(SnapshotterService.stateDir(dir));
    server =
        ThinpoolServer.start(
            pool,
            List.of(
                new NbdService(
                    List.of(UnixDomainSocketAddress.of(SnapshotterService.nbdSocket(dir))), false),
                new SnapshotterService(socket, new Snapshotter.Options(BASE_BYTES, FsType.EXT4))));
  }

  Snapshotter snapshotter() {
    return server.service(SnapshotterService.class).orElseThrow().snapshotter();
  }

  /** A new client connection. */
  SnapshotsGrpc.SnapshotsBlockingStub client() {
    ManagedChannel ch = SnapshotsChannels.open(socket, clientLoops);
    synchronized (channels) {
      channels.add(ch);
    }
    return SnapshotsGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** Every snapshot name, by a List call. */
  static Set<String> names(SnapshotsGrpc.SnapshotsBlockingStub c) {
    Set<String> out = new TreeSet<>();
    Iterator<ListSnapshotsResponse> it = c.list(ListSnapshotsRequest.getDefaultInstance());
    it.forEachRemaining(r -> r.getInfoList().forEach(i -> out.add(i.getName())));
    return out;
  }

  /** The pool's devices are exactly the base device and one per snapshot: nothing leaked. */
  void assertNoDeviceWithoutASnapshot() throws IOException {
    Snapshotter s = snapshotter();
    Set<Long> expected = new HashSet<>(s.deviceIds().values());
    expected.add(s.baseDeviceId());
    Set<Long> actual = new HashSet<>(server.pool().deviceIds());
    if (!actual.equals(expected)) {
      throw new AssertionError("devices " + actual + " but snapshots and base " + expected);
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (channels) {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
    }
    try {
      server.close();
    } finally {
      clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    }
  }
}

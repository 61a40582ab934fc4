package org.thinpool.server;

import containerd.services.snapshots.v1.SnapshotsGrpc;
import containerd.services.snapshots.v1.SnapshotsOuterClass.CommitSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ListSnapshotsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.MountsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.PrepareSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.RemoveSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.StatSnapshotRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.thinpool.snapshotter.Snapshotter;

/**
 * One Prepare, Mounts, Stat, List, Commit and Remove through a real gRPC connection to the server,
 * before containerd can connect: a cold JVM answers its first snapshotter call in about a second
 * (class loading of Netty, HTTP/2, the protobuf descriptors, the pool's snapshot path), which
 * containerd's proxy may time out on and which containerd's benchmark counted as Prepare time. The
 * server listens in {@link OwnerOnlySocket}'s private folder meanwhile and is renamed to the real
 * socket after, so no client ever sees a half-started server.
 *
 * <p>The warm-up snapshot has a name of its own ({@link #KEY}, {@link #NAME}); one left by a server
 * killed during its warm-up is removed before the next warm-up.
 */
final class SnapshotterWarmUp {
  /** containerd's keys carry a namespace prefix ("default/12/..."), so these never collide. */
  static final String KEY = "thinpool.io/warm-up";

  static final String NAME = "thinpool.io/warm-up-committed";

  /** Generous: the calls take about a second on a cold JVM, fsyncs included. */
  static final long DEADLINE_SECONDS = 60;

  private SnapshotterWarmUp() {}

  /** Removes what a warm-up killed half-way left (one of the two at most: Commit renames). */
  static void removeLeftovers(Snapshotter s) throws IOException {
    for (String k : new String[] {KEY, NAME}) {
      if (s.deviceIds().containsKey(k)) {
        s.remove(k);
      }
    }
  }

  /** Runs the calls against the server listening on {@code socket}, on {@code loops}. */
  static void run(Path socket, EventLoopGroup loops) throws IOException {
    ManagedChannel ch = SnapshotsChannels.open(socket, loops);
    try {
      var stub = SnapshotsGrpc.newBlockingStub(ch).withDeadlineAfter(DEADLINE_SECONDS, SECONDS);
      String sn = "thinpool";
      var _ =
          stub.prepare(PrepareSnapshotRequest.newBuilder().setSnapshotter(sn).setKey(KEY).build());
      var _ = stub.mounts(MountsRequest.newBuilder().setSnapshotter(sn).setKey(KEY).build());
      var _ = stub.stat(StatSnapshotRequest.newBuilder().setSnapshotter(sn).setKey(KEY).build());
      stub.list(ListSnapshotsRequest.newBuilder().setSnapshotter(sn).build())
          .forEachRemaining(r -> {});
      var _ =
          stub.commit(
              CommitSnapshotRequest.newBuilder()
                  .setSnapshotter(sn)
                  .setName(NAME)
                  .setKey(KEY)
                  .build());
      var _ =
          stub.remove(RemoveSnapshotRequest.newBuilder().setSnapshotter(sn).setKey(NAME).build());
    } catch (StatusRuntimeException e) {
      throw new IOException("the snapshotter's warm-up call failed: " + e.getStatus(), e);
    } finally {
      ch.shutdownNow();
      try {
        var _ = ch.awaitTermination(DEADLINE_SECONDS, SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static final TimeUnit SECONDS = TimeUnit.SECONDS;
}

package org.thinpool.server;

import static org.assertj.core.api.Assertions.assertThat;

import containerd.services.snapshots.v1.SnapshotsGrpc;
import containerd.services.snapshots.v1.SnapshotsGrpc.SnapshotsBlockingStub;
import containerd.services.snapshots.v1.SnapshotsOuterClass.PrepareSnapshotResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.stub.StreamObserver;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 item 9: concurrent and misbehaving clients get the right codes, the service stays up and
 * no thin device is left without a snapshot.
 */
class SnapshotterHostileClientsTest {
  @TempDir Path tmp;

  @BeforeEach
  void tools() {
    SnapshotterHarness.requireTools();
  }

  @Test
  void tenClientsPreparingOneKeyExactlyOneWins() throws Exception {
    try (SnapshotterHarness h = new SnapshotterHarness(tmp.resolve("pool"), tmp.resolve("s"))) {
      int n = 10;
      CyclicBarrier start = new CyclicBarrier(n);
      ExecutorService pool = Executors.newFixedThreadPool(n);
      List<Future<Status.Code>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        SnapshotsBlockingStub c = h.client(); // one connection each
        Callable<Status.Code> call =
            () -> {
              start.await(30, TimeUnit.SECONDS);
              try {
                PrepareSnapshotResponse r =
                    c.prepare(SnapshotterServiceTest.prepare("same-key", ""));
                assertThat(r.getMountsCount()).isEqualTo(1);
                return Status.Code.OK;
              } catch (StatusRuntimeException e) {
                return e.getStatus().getCode();
              }
            };
        results.add(pool.submit(call));
      }
      List<Status.Code> codes = new ArrayList<>();
      for (Future<Status.Code> f : results) {
        codes.add(f.get(120, TimeUnit.SECONDS));
      }
      pool.shutdown();
      assertThat(codes).filteredOn(c -> c == Status.Code.OK).hasSize(1);
      assertThat(codes).filteredOn(c -> c == Status.Code.ALREADY_EXISTS).hasSize(n - 1);
      assertThat(SnapshotterHarness.names(h.client())).containsExactly("same-key");
      h.assertNoDeviceWithoutASnapshot();
    }
  }

  @Test
  void clientsDroppingMidCallAndGarbageOnTheSocketLeaveTheServiceUp() throws Exception {
    try (SnapshotterHarness h = new SnapshotterHarness(tmp.resolve("pool"), tmp.resolve("s"))) {
      // raw garbage, then a half HTTP/2 preface: the connection dies, not the server
      for (byte[] junk :
          List.of(
              new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
              "PRI * HTTP/2.0\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
        try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
          raw.connect(UnixDomainSocketAddress.of(h.socket));
          raw.write(ByteBuffer.wrap(junk));
        }
      }
      // clients that start a Prepare and vanish before the answer
      var loops = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
      try {
        for (int i = 0; i < 5; i++) {
          var ch = SnapshotsChannels.open(h.socket, loops);
          SnapshotsGrpc.newStub(ch)
              .prepare(
                  SnapshotterServiceTest.prepare("dropped-" + i, ""),
                  new StreamObserver<>() {
                    @Override
                    public void onNext(PrepareSnapshotResponse value) {}

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
          ch.shutdownNow();
        }
        // a deadline that runs out mid-call
        SnapshotsBlockingStub hurried = h.client().withDeadlineAfter(1, TimeUnit.MILLISECONDS);
        try {
          hurried.prepare(SnapshotterServiceTest.prepare("hurried", ""));
        } catch (StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        }
      } finally {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
      }
      // the service still answers; each dropped Prepare happened whole or not at all
      SnapshotsBlockingStub c = h.client();
      c.prepare(SnapshotterServiceTest.prepare("after", ""));
      h.snapshotter().cleanup();
      assertThat(SnapshotterHarness.names(c)).contains("after");
      h.assertNoDeviceWithoutASnapshot();
    }
  }
}

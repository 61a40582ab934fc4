package org.thinpool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;

/**
 * The control socket's limits against clients other than our CLI: a silent or trickling client
 * loses its connection at the request deadline and frees its slot; a malformed frame closes that
 * connection only; good requests are served throughout.
 */
class ControlServiceTest {
  @TempDir Path tmp;

  private static final ControlHandler ECHO =
      (req, ctx) -> new ControlProtocol.Response(0, String.join(" ", req.args()), "");

  private static SocketChannel connect(Path pool) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(ControlService.socketPath(pool)));
    return ch;
  }

  /** True once the server closed the connection (EOF or reset), waiting at most 30 s. */
  private static boolean closedByServer(SocketChannel ch) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(1);
    try {
      return ch.read(b) < 0;
    } catch (IOException e) {
      return true;
    }
  }

  private static ControlProtocol.Response run(Path pool, String... args) throws IOException {
    return ControlClient.tryRun(pool, new ControlProtocol.Request(pool, List.of(args)))
        .orElseThrow();
  }

  @Test
  void silentAndTricklingClientsAreDroppedAtTheDeadlineAndFreeTheirSlots() throws Exception {
    Path dir = tmp.resolve("pool");
    ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 << 20));
    ControlService control = new ControlService(ECHO, Duration.ofMillis(300));
    try (ThinpoolServer server = ThinpoolServer.start(pool, List.of(control))) {
      List<SocketChannel> silent = new ArrayList<>();
      for (int i = 0; i < ControlService.MAX_CONCURRENT; i++) {
        silent.add(connect(dir)); // every slot held by a client that says nothing
      }
      try (SocketChannel trickle = connect(dir)) {
        trickle.write(ByteBuffer.wrap(new byte[] {0, 0})); // half a length, then nothing
        // served once the silent ones time out: a slot comes back for it
        assertThat(run(dir, "thin", "ls").stdout()).isEqualTo("thin ls");
        for (SocketChannel ch : silent) {
          assertThat(closedByServer(ch)).isTrue();
          ch.close();
        }
        assertThat(closedByServer(trickle)).isTrue();
      }
      try (SocketChannel huge = connect(dir)) {
        huge.write(ByteBuffer.allocate(4).putInt(0, Integer.MAX_VALUE)); // a 2 GiB frame
        assertThat(closedByServer(huge)).isTrue();
      }
      try (SocketChannel garbage = connect(dir)) {
        garbage.write(ByteBuffer.allocate(12).putInt(0, 8).putInt(4, 99)); // version 99
        assertThat(closedByServer(garbage)).isTrue();
      }
      try (SocketChannel leaver = connect(dir)) {
        byte[] req = ControlProtocol.encode(new ControlProtocol.Request(dir, List.of("status")));
        leaver.write(
            new ByteBuffer[] {ByteBuffer.allocate(4).putInt(0, req.length), ByteBuffer.wrap(req)});
      } // gone before its answer
      assertThat(run(dir, "status").exitCode()).isZero();
    }
  }
}

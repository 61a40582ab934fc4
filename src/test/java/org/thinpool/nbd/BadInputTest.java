package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;

/**
 * Issue 9 item 6: bad input never takes the server down or loses data. Each case gets the
 * protocol's error or a close of that connection only; a bystander connection keeps working; the
 * pool passes the real thin_check afterwards.
 */
class BadInputTest {
  @TempDir Path tmp;
  ServedPool s;
  RawClient bystander;

  ServedPool serve(long dataBytes, boolean readOnly) throws IOException {
    s = new ServedPool(tmp.resolve("pool"), dataBytes, readOnly, 8 << 20);
    bystander = s.client().greet().go("1", false);
    return s;
  }

  ServedPool serve() throws IOException {
    return serve(64 << 20, false);
  }

  @AfterEach
  void bystanderStillServedAndThinCheckClean() throws IOException {
    if (s == null) {
      return;
    }
    try (RawClient b = bystander) {
      if (!s.readOnly()) {
        bystander.write(900, 4096, new byte[] {1, 2, 3}, 0);
        assertThat(bystander.simpleReply()).isEqualTo(new RawClient.Simple(0, 900));
      }
      bystander.request(0, Nbd.CMD_READ, 901, 0, 512);
      assertThat(bystander.simpleReply()).isEqualTo(new RawClient.Simple(0, 901));
      bystander.read(512);
    }
    s.close();
    ExternalTool.Result r = ExternalTool.run("thin_check", s.dir.resolve("metadata").toString());
    assertThat(r.exitCode()).as(r.all()).isZero();
  }

  @Test
  void badRequestMagicClosesThatConnectionOnly() throws IOException {
    try (RawClient c = serve().client().greet().go("1", false)) {
      ByteBuffer h = RawClient.header(0, Nbd.CMD_READ, 1, 0, 512);
      h.putInt(0, 0x12560953);
      c.send(h);
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void badOptionMagicClosesThatConnectionOnly() throws IOException {
    try (RawClient c = serve().client().greet()) {
      c.send(ByteBuffer.allocate(16).putLong(0x1122334455667788L).putInt(7).putInt(0).flip());
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void unknownClientFlagsCloseThatConnectionOnly() throws IOException {
    try (RawClient c = serve().client().greet(7)) {
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void unknownCommandIsEinval() throws IOException {
    try (RawClient c = serve().client().greet().go("1", false)) {
      c.request(0, 42, 7, 0, 0);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(Nbd.EINVAL, 7));
    }
  }

  @Test
  void unknownOptionIsErrUnsup() throws IOException {
    try (RawClient c = serve().client().greet()) {
      c.option(0x7777, ByteBuffer.allocate(10));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ERR_UNSUP);
      c.go("1", false);
    }
  }

  @Test
  void lengthOverTheMaximumIsEinvalAndTheStreamStaysInStep() throws IOException {
    try (RawClient c = serve().client().greet().go("1", false)) {
      c.request(0, Nbd.CMD_READ, 1, 0, (32 << 20) + 512);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(Nbd.EINVAL, 1));
      c.write(2, 0, new byte[(32 << 20) + 512], 0);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(Nbd.EINVAL, 2));
      c.request(0, Nbd.CMD_FLUSH, 3, 0, 0);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(0, 3));
    }
  }

  @Test
  void writePayloadTooLargeToDropClosesThatConnection() throws IOException {
    try (RawClient c = serve().client().greet().go("1", false)) {
      c.request(0, Nbd.CMD_WRITE, 1, 0, 0xfffffff0L);
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void offsetPastTheEndIsEinvalForReadsAndEnospcForWrites() throws IOException {
    try (RawClient c = serve().client().greet().go("1", true)) {
      c.request(0, Nbd.CMD_READ, 1, 8 << 20, 512);
      RawClient.Chunk e = c.chunk();
      assertThat(e.type()).isEqualTo(Nbd.REPLY_TYPE_ERROR);
      assertThat(e.error()).isEqualTo(Nbd.EINVAL);
      c.write(2, (8 << 20) - 1, new byte[2], 0);
      assertThat(c.chunk().error()).isEqualTo(Nbd.ENOSPC);
      c.request(0, Nbd.CMD_TRIM, 3, Long.MAX_VALUE, 4096);
      assertThat(c.chunk().error()).isEqualTo(Nbd.EINVAL);
    }
  }

  @Test
  void writeToAReadOnlyExportIsEperm() throws IOException {
    try (RawClient c = serve(64 << 20, true).client().greet().go("1", false)) {
      c.write(1, 0, new byte[512], 0);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(Nbd.EPERM, 1));
      c.request(0, Nbd.CMD_TRIM, 2, 0, 512);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(Nbd.EPERM, 2));
      c.request(0, Nbd.CMD_WRITE_ZEROES, 3, 0, 512);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(Nbd.EPERM, 3));
    }
  }

  @Test
  void oversizedOptionDataIsErrTooBigThenTooMuchIsAClose() throws IOException {
    try (RawClient c = serve().client().greet()) {
      c.option(Nbd.OPT_GO, ByteBuffer.allocate(100 << 10));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ERR_TOO_BIG);
      c.send(
          ByteBuffer.allocate(16).putLong(Nbd.IHAVEOPT).putInt(Nbd.OPT_GO).putInt(64 << 20).flip());
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void aClientVanishingMidWriteWritesNothing() throws IOException {
    try (RawClient c = serve().client().greet().go("1", false)) {
      c.send(
          RawClient.header(0, Nbd.CMD_WRITE, 1, 1 << 20, 1 << 20), ByteBuffer.allocate(300 << 10));
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (s.server.connectionCount() > 1 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(s.server.connectionCount()).isEqualTo(1);
    assertThat(s.pool.device(1).isMapped(16)).isFalse();
  }

  @Test
  void aThousandConnectionsOpenedAndDroppedLeaveTheServerServing() throws IOException {
    serve();
    List<RawClient> clients = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      RawClient c = s.client();
      if (i % 3 == 1) {
        c.read(18); // mid-handshake
      } else if (i % 3 == 2) {
        c.greet().option(Nbd.OPT_STRUCTURED_REPLY, ByteBuffer.allocate(0));
      }
      clients.add(c);
    }
    for (RawClient c : clients) {
      c.close();
    }
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (s.server.connectionCount() > 1 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(s.server.connectionCount()).isEqualTo(1);
  }

  @Test
  void aFullPoolAnswersEnospcAndDoesNotHang() throws IOException {
    try (RawClient c = serve(1 << 20, false).client().greet().go("1", false)) {
      c.write(1, 0, new byte[4 << 20], 0);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(Nbd.ENOSPC, 1));
      c.request(0, Nbd.CMD_FLUSH, 2, 0, 0);
      assertThat(c.simpleReply().cookie()).isEqualTo(2);
    }
  }
}

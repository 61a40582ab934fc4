package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9 item 3: the fixed-newstyle handshake, option by option, on a real socket. */
class HandshakeTest {
  @TempDir Path tmp;
  ServedPool s;

  @BeforeEach
  void serve() throws IOException {
    s = new ServedPool(tmp.resolve("pool"), 64 << 20, false, 8 << 20, 16 << 20);
  }

  @AfterEach
  void stop() throws IOException {
    s.close();
  }

  private static String text(ByteBuffer b) {
    return StandardCharsets.UTF_8.decode(b).toString();
  }

  @Test
  void listNamesEveryThinDeviceThenAcks() throws IOException {
    try (RawClient c = s.client().greet()) {
      c.option(Nbd.OPT_LIST, ByteBuffer.allocate(0));
      List<String> names = new ArrayList<>();
      RawClient.OptReply r = c.optionReply();
      while (r.type() == Nbd.REP_SERVER) {
        int n = r.data().getInt();
        names.add(text(r.data().slice(4, n)));
        r = c.optionReply();
      }
      assertThat(r.type()).isEqualTo(Nbd.REP_ACK);
      assertThat(names).containsExactly("1", "2");
      c.option(Nbd.OPT_LIST, ByteBuffer.wrap(new byte[] {1}));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ERR_INVALID);
    }
  }

  @Test
  void infoSendsExportNameDescriptionAndBlockSizeAndStaysInHaggling() throws IOException {
    try (RawClient c = s.client().greet()) {
      c.option(
          Nbd.OPT_INFO,
          RawClient.exportQuery("2", Nbd.INFO_NAME, Nbd.INFO_DESCRIPTION, Nbd.INFO_BLOCK_SIZE));
      List<ByteBuffer> infos = new ArrayList<>();
      RawClient.OptReply r = c.optionReply();
      while (r.type() == Nbd.REP_INFO) {
        infos.add(r.data());
        r = c.optionReply();
      }
      assertThat(r.type()).isEqualTo(Nbd.REP_ACK);
      ByteBuffer export = infos.stream().filter(b -> b.getShort(0) == 0).findFirst().orElseThrow();
      assertThat(export.getLong(2)).isEqualTo(16 << 20);
      assertThat(export.getShort(10) & 0xffff).isEqualTo(0x0d6d); // no DF before SR
      ByteBuffer bs = infos.stream().filter(b -> b.getShort(0) == 3).findFirst().orElseThrow();
      assertThat(bs.getInt(2)).isEqualTo(512);
      assertThat(bs.getInt(6)).isEqualTo(64 << 10);
      assertThat(bs.getInt(10)).isEqualTo(32 << 20);
      ByteBuffer name = infos.stream().filter(b -> b.getShort(0) == 1).findFirst().orElseThrow();
      assertThat(text(name.position(2))).isEqualTo("2");
      assertThat(infos.stream().anyMatch(b -> b.getShort(0) == 2)).isTrue();
      c.go("2", true); // still haggling: GO works after INFO
    }
  }

  @Test
  void unknownExportIsErrUnknownAndHagglingGoesOn() throws IOException {
    try (RawClient c = s.client().greet()) {
      c.option(Nbd.OPT_GO, RawClient.exportQuery("77"));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ERR_UNKNOWN);
      c.option(Nbd.OPT_GO, RawClient.exportQuery("x1"));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ERR_UNKNOWN);
      c.go("1", false);
    }
  }

  @Test
  void exportNameAnswersSizeFlagsAndZeroesUnlessNoZeroes() throws IOException {
    try (RawClient c = s.client().greet(1)) {
      c.option(Nbd.OPT_EXPORT_NAME, ByteBuffer.wrap("1".getBytes(StandardCharsets.UTF_8)));
      ByteBuffer a = c.read(134);
      assertThat(a.getLong()).isEqualTo(8 << 20);
      c.request(0, Nbd.CMD_FLUSH, 5, 0, 0);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(0, 5));
    }
    try (RawClient c = s.client().greet(3)) {
      c.option(Nbd.OPT_EXPORT_NAME, ByteBuffer.allocate(0)); // default export: the lowest id
      assertThat(c.read(10).getLong()).isEqualTo(8 << 20);
      c.request(0, Nbd.CMD_FLUSH, 6, 0, 0);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(0, 6));
    }
  }

  @Test
  void exportNameOfAMissingExportClosesTheConnection() throws IOException {
    try (RawClient c = s.client().greet()) {
      c.option(Nbd.OPT_EXPORT_NAME, ByteBuffer.wrap("9".getBytes(StandardCharsets.UTF_8)));
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void abortIsAcked() throws IOException {
    try (RawClient c = s.client().greet()) {
      c.option(Nbd.OPT_ABORT, ByteBuffer.allocate(0));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ACK);
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void starttlsIsRefusedByPolicyAndTheConnectionStays() throws IOException {
    try (RawClient c = s.client().greet()) {
      c.option(Nbd.OPT_STARTTLS, ByteBuffer.allocate(0));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ERR_POLICY);
      c.option(Nbd.OPT_STARTTLS, ByteBuffer.allocate(3));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ERR_INVALID);
      c.go("1", true);
    }
  }

  @Test
  void unknownOptionsAreErrUnsupAfterTheirDataIsSkipped() throws IOException {
    try (RawClient c = s.client().greet()) {
      for (int opt : new int[] {4, 11, 12, 999, -1}) {
        c.option(opt, ByteBuffer.allocate(100));
        RawClient.OptReply r = c.optionReply();
        assertThat(r.option()).isEqualTo(opt);
        assertThat(r.type()).isEqualTo(Nbd.REP_ERR_UNSUP);
      }
      c.go("1", true);
    }
  }

  @Test
  void metaContextsNeedStructuredRepliesAndOnlyBaseAllocationMatches() throws IOException {
    try (RawClient c = s.client().greet()) {
      c.option(Nbd.OPT_SET_META_CONTEXT, RawClient.metaQuery("1", "base:allocation"));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ERR_INVALID);
      c.option(Nbd.OPT_STRUCTURED_REPLY, ByteBuffer.allocate(0));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ACK);
      c.option(Nbd.OPT_LIST_META_CONTEXT, RawClient.metaQuery("1"));
      RawClient.OptReply r = c.optionReply();
      assertThat(r.type()).isEqualTo(Nbd.REP_META_CONTEXT);
      assertThat(text(r.data().position(4))).isEqualTo("base:allocation");
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ACK);
      c.option(Nbd.OPT_SET_META_CONTEXT, RawClient.metaQuery("1", "qemu:dirty-bitmap:x"));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ACK); // nothing selected
      c.option(Nbd.OPT_SET_META_CONTEXT, RawClient.metaQuery("5", "base:allocation"));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ERR_UNKNOWN);
    }
  }

  @Test
  void fixedNewstyleIsRequiredForAnythingButExportName() throws IOException {
    try (RawClient c = s.client().greet(0)) {
      c.option(Nbd.OPT_LIST, ByteBuffer.allocate(0));
      assertThat(c.closedByServer()).isTrue();
    }
  }
}

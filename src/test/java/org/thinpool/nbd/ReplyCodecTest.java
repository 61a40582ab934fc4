package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reply encoding, byte by byte against the protocol's layouts. */
class ReplyCodecTest {
  @Test
  void simpleReplyIsMagicErrorCookie() {
    ByteBuffer b = ReplyCodec.simple(0x0102030405060708L, 22);
    assertThat(b.remaining()).isEqualTo(16);
    assertThat(b.getInt()).isEqualTo(0x67446698);
    assertThat(b.getInt()).isEqualTo(22);
    assertThat(b.getLong()).isEqualTo(0x0102030405060708L);
  }

  @Test
  void blockStatusChunkMatchesTheCapturedLayout() {
    ByteBuffer b =
        ReplyCodec.blockStatus(
            1, 0, List.of(new ReplyCodec.Extent(1 << 20, 0), new ReplyCodec.Extent(0x3f00000L, 3)));
    byte[] bytes = new byte[b.remaining()];
    b.duplicate().get(bytes);
    assertThat(java.util.HexFormat.of().formatHex(bytes))
        .isEqualTo(
            "668e33ef000100050000000000000001"
                + "00000014"
                + "00000000"
                + "0010000000000000"
                + "03f0000000000003");
  }

  @Test
  void holeAndDataChunksCarryTheirOffsets() {
    ByteBuffer h = ReplyCodec.hole(9, true, 4096, 512);
    assertThat(h.remaining()).isEqualTo(32);
    assertThat(h.getShort(4)).isEqualTo((short) 1);
    assertThat(h.getShort(6)).isEqualTo((short) 2);
    assertThat(h.getInt(16)).isEqualTo(12);
    assertThat(h.getLong(20)).isEqualTo(4096);
    assertThat(h.getInt(28)).isEqualTo(512);
    ByteBuffer d = ReplyCodec.offsetDataHeader(9, false, 8192, 100);
    assertThat(d.getShort(4)).isEqualTo((short) 0);
    assertThat(d.getShort(6)).isEqualTo((short) 1);
    assertThat(d.getInt(16)).isEqualTo(108);
    assertThat(d.getLong(20)).isEqualTo(8192);
  }

  @Test
  void errorChunkHasBit15TypeAndMessage() {
    ByteBuffer e = ReplyCodec.error(5, 28, "full");
    assertThat(e.getShort(6)).isEqualTo((short) 0x8001);
    assertThat(e.getInt(16)).isEqualTo(10);
    assertThat(e.getInt(20)).isEqualTo(28);
    assertThat(e.getShort(24)).isEqualTo((short) 4);
  }

  @Test
  void malformedChunksAreProgrammerErrors() {
    assertThatThrownBy(() -> new ReplyCodec.Extent(0, 0)).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> ReplyCodec.blockStatus(1, 0, List.of()))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> ReplyCodec.hole(1, true, 0, 0)).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> ReplyCodec.error(1, 0, "")).isInstanceOf(AssertionError.class);
  }
}

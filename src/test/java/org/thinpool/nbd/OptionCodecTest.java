package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The handshake codecs on their own, with well-formed and hostile bytes. */
class OptionCodecTest {
  @Test
  void greetingIsNbdmagicIhaveoptAndFixedNewstyleNoZeroes() {
    ByteBuffer g = OptionCodec.greeting();
    assertThat(g.remaining()).isEqualTo(18);
    assertThat(g.getLong()).isEqualTo(0x4e42444d41474943L);
    assertThat(g.getLong()).isEqualTo(0x49484156454F5054L);
    assertThat(g.getShort()).isEqualTo((short) 3);
  }

  @Test
  void unknownClientFlagsAreAProtocolViolation() throws Exception {
    assertThat(OptionCodec.decodeClientFlags(ByteBuffer.allocate(4).putInt(3).flip())).isEqualTo(3);
    assertThatThrownBy(() -> OptionCodec.decodeClientFlags(ByteBuffer.allocate(4).putInt(7).flip()))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void badOptionMagicIsAProtocolViolation() {
    ByteBuffer b = ByteBuffer.allocate(16).putLong(0x1234).putInt(7).putInt(0).flip();
    assertThatThrownBy(() -> OptionCodec.decodeOptionHeader(b))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("magic");
  }

  @Test
  void optionLengthIsUnsigned() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(16).putLong(Nbd.IHAVEOPT).putInt(99).putInt(-1).flip();
    assertThat(OptionCodec.decodeOptionHeader(b).lengthBytes()).isEqualTo(0xffffffffL);
  }

  @Test
  void goDataParsesNameAndInfoRequests() throws Exception {
    OptionCodec.ExportQuery q = OptionCodec.decodeExportQuery(RawClient.exportQuery("12", 3, 1));
    assertThat(q.name()).isEqualTo("12");
    assertThat(q.infoTypes()).containsExactly(3, 1);
  }

  @Test
  void goDataWithLyingLengthsIsInvalid() {
    ByteBuffer nameTooLong = ByteBuffer.allocate(8).putInt(100).putInt(0).flip();
    ByteBuffer countTooBig =
        ByteBuffer.allocate(7).putInt(1).put((byte) 'a').putShort((short) 5).flip();
    ByteBuffer trailing =
        ByteBuffer.allocate(9)
            .putInt(1)
            .put((byte) 'a')
            .putShort((short) 0)
            .putShort((short) 1)
            .flip();
    ByteBuffer tooShort = ByteBuffer.allocate(3).flip();
    ByteBuffer notUtf8 =
        ByteBuffer.allocate(7).putInt(1).put((byte) 0xff).putShort((short) 0).flip();
    ByteBuffer nul = ByteBuffer.allocate(7).putInt(1).put((byte) 0).putShort((short) 0).flip();
    for (ByteBuffer b :
        new ByteBuffer[] {nameTooLong, countTooBig, trailing, tooShort, notUtf8, nul}) {
      assertThatThrownBy(() -> OptionCodec.decodeExportQuery(b))
          .isInstanceOf(InvalidOptionException.class);
    }
  }

  @Test
  void metaContextDataParsesQueries() throws Exception {
    OptionCodec.MetaContextQuery q =
        OptionCodec.decodeMetaContextQuery(RawClient.metaQuery("1", "base:allocation", "qemu:x"));
    assertThat(q.name()).isEqualTo("1");
    assertThat(q.queries()).containsExactly("base:allocation", "qemu:x");
  }

  @Test
  void metaContextQueryCountOverTheLimitIsInvalid() {
    ByteBuffer b = ByteBuffer.allocate(12).putInt(0).putInt(Integer.MAX_VALUE).putInt(0).flip();
    assertThatThrownBy(() -> OptionCodec.decodeMetaContextQuery(b))
        .isInstanceOf(InvalidOptionException.class);
  }

  @Test
  void repliesCarryMagicOptionTypeAndLength() {
    ByteBuffer r = OptionCodec.infoBlockSize(7, 512, 65536, 32 << 20);
    assertThat(r.getLong()).isEqualTo(Nbd.OPTION_REPLY_MAGIC);
    assertThat(r.getInt()).isEqualTo(7);
    assertThat(r.getInt()).isEqualTo(Nbd.REP_INFO);
    assertThat(r.getInt()).isEqualTo(14);
    assertThat(r.getShort()).isEqualTo((short) 3);
    assertThat(r.getInt()).isEqualTo(512);
    assertThat(r.getInt()).isEqualTo(65536);
    assertThat(r.getInt()).isEqualTo(32 << 20);
    assertThat(r.hasRemaining()).isFalse();
    ByteBuffer e = OptionCodec.exportNameAnswer(1 << 20, 0x0d6d, true);
    assertThat(e.remaining()).isEqualTo(134);
    assertThat(OptionCodec.exportNameAnswer(1 << 20, 0x0d6d, false).remaining()).isEqualTo(10);
  }

  /** Any bytes: a record or a typed rejection, never another exception. */
  @Property(tries = 2000)
  void hostileOptionDataNeverEscapesTheTypedErrors(@ForAll @Size(max = 80) byte[] data) {
    for (int kind = 0; kind < 3; kind++) {
      ByteBuffer b = ByteBuffer.wrap(data);
      try {
        switch (kind) {
          case 0 -> OptionCodec.decodeExportQuery(b);
          case 1 -> OptionCodec.decodeMetaContextQuery(b);
          default -> OptionCodec.decodeExportName(b);
        }
      } catch (InvalidOptionException expected) {
        // answered ERR_INVALID
      } catch (BufferUnderflowException e) {
        throw new AssertionError("underflow on " + java.util.HexFormat.of().formatHex(data), e);
      }
    }
  }
}

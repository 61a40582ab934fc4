package org.thinpool.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The request codec alone: well-formed requests decode, hostile bytes are refused, never read. */
class RequestCodecTest {
  @Test
  void decodesTheRequestsItServes() throws Exception {
    assertThat(RequestCodec.decode(Frames.request(Fuse.INIT, 1, 0, Frames.init(7, 41, 0x1234))))
        .isEqualTo(new FuseRequest.Init(1, 7, 41, 128 << 10, 0x1234));
    assertThat(RequestCodec.decode(Frames.request(Fuse.LOOKUP, 2, 1, Frames.name("17"))))
        .isEqualTo(new FuseRequest.Lookup(2, 1, "17"));
    assertThat(RequestCodec.decode(Frames.request(Fuse.READ, 3, 5, Frames.read(5, 4096, 65536))))
        .isEqualTo(new FuseRequest.Read(3, 5, 5, 4096, 65536));
    FuseRequest w =
        RequestCodec.decode(Frames.request(Fuse.WRITE, 4, 5, Frames.write(5, 512, new byte[] {9})));
    assertThat(w)
        .isInstanceOfSatisfying(
            FuseRequest.Write.class,
            x -> {
              assertThat(x.offsetBytes()).isEqualTo(512);
              assertThat(x.data().remaining()).isEqualTo(1);
              assertThat(x.data().get(0)).isEqualTo((byte) 9);
            });
    ByteBuffer falloc = Frames.args(32).putLong(5).putLong(0).putLong(1 << 20).putInt(3);
    assertThat(RequestCodec.decode(Frames.request(Fuse.FALLOCATE, 5, 5, falloc.position(32))))
        .isEqualTo(new FuseRequest.Fallocate(5, 5, 5, 0, 1 << 20, 3));
    assertThat(RequestCodec.decode(Frames.request(Fuse.READDIRPLUS, 6, 1, Frames.read(0, 2, 4096))))
        .isEqualTo(new FuseRequest.Readdir(6, 1, 2, 4096, true));
    assertThat(RequestCodec.decode(Frames.request(4242, 7, 1, Frames.args(0))))
        .isEqualTo(new FuseRequest.Unknown(7, 4242));
    ByteBuffer forgets = Frames.args(8 + 32).putInt(2).position(40);
    assertThat(RequestCodec.decode(Frames.request(Fuse.BATCH_FORGET, 0, 0, forgets)).noReply())
        .isTrue();
    ByteBuffer intr = Frames.args(8).putLong(3);
    assertThat(RequestCodec.decode(Frames.request(Fuse.INTERRUPT, 8, 0, intr)))
        .isEqualTo(new FuseRequest.Interrupt(8, 3));
  }

  @Test
  void refusesHostileBytes() {
    assertThatThrownBy(() -> RequestCodec.decode(ByteBuffer.allocate(39)))
        .isInstanceOf(FuseProtocolException.class);
    ByteBuffer lying = Frames.request(Fuse.GETATTR, 1, 1, Frames.args(16).position(16));
    lying.order(ByteOrder.nativeOrder()).putInt(0, 1 << 30);
    assertThatThrownBy(() -> RequestCodec.decode(lying)).hasMessageContaining("says");
    ByteBuffer shortRead = Frames.request(Fuse.READ, 1, 5, Frames.args(39).position(39));
    assertThatThrownBy(() -> RequestCodec.decode(shortRead)).hasMessageContaining("need 40");
    ByteBuffer w = Frames.write(5, 0, new byte[10]);
    w.putInt(16, 11);
    assertThatThrownBy(() -> RequestCodec.decode(Frames.request(Fuse.WRITE, 1, 5, w)))
        .hasMessageContaining("carries");
    ByteBuffer huge = Frames.read(5, 0, 0).putInt(16, (1 << 20) + 1);
    assertThatThrownBy(() -> RequestCodec.decode(Frames.request(Fuse.READ, 1, 5, huge)))
        .hasMessageContaining("exceeds");
    ByteBuffer noNul = Frames.args(3).put((byte) '1').put((byte) '2').put((byte) '3');
    assertThatThrownBy(() -> RequestCodec.decode(Frames.request(Fuse.LOOKUP, 1, 1, noNul)))
        .hasMessageContaining("NUL");
    ByteBuffer forgets = Frames.args(8 + 16).putInt(2).position(24);
    assertThatThrownBy(() -> RequestCodec.decode(Frames.request(Fuse.BATCH_FORGET, 0, 0, forgets)))
        .hasMessageContaining("cut short");
    ByteBuffer ext = Frames.request(Fuse.GETATTR, 1, 1, Frames.args(16).position(16));
    ext.order(ByteOrder.nativeOrder()).putShort(36, (short) 3);
    assertThatThrownBy(() -> RequestCodec.decode(ext)).hasMessageContaining("extensions");
  }

  @Test
  void randomBytesNeverEscapeAsAnythingButTheProtocolError() {
    Random rnd = new Random(11);
    for (int i = 0; i < 20_000; i++) {
      ByteBuffer b = ByteBuffer.allocate(rnd.nextInt(200)).order(ByteOrder.nativeOrder());
      rnd.nextBytes(b.array());
      if (b.capacity() >= 8) {
        b.putInt(0, b.capacity()); // a consistent length, so the opcode decoders are reached
        b.putInt(4, 1 + rnd.nextInt(50));
      }
      try {
        RequestCodec.decode(b);
      } catch (FuseProtocolException e) {
        // refused: fine
      }
    }
  }
}

package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** Request decoding and validation on their own, with well-formed and hostile headers. */
class RequestCodecTest {
  static final long SIZE = 1 << 20;
  static final RequestCodec.ExportShape RW = new RequestCodec.ExportShape(SIZE, false, true, true);
  static final RequestCodec.ExportShape RO = new RequestCodec.ExportShape(SIZE, true, true, true);
  static final RequestCodec.ExportShape SIMPLE =
      new RequestCodec.ExportShape(SIZE, false, false, false);

  static Request decode(
      int flags, int type, long offset, long length, RequestCodec.ExportShape shape)
      throws ProtocolException {
    return RequestCodec.decode(RawClient.header(flags, type, 42, offset, length), shape);
  }

  static int error(Request r) {
    assertThat(r).isInstanceOf(Request.Invalid.class);
    assertThat(r.cookie()).isEqualTo(42);
    return ((Request.Invalid) r).error();
  }

  @Test
  void decodesEveryCommand() throws Exception {
    assertThat(decode(4, 0, 512, 4096, RW)).isEqualTo(new Request.Read(42, 512, 4096, true));
    assertThat(decode(1, 1, 0, 10, RW)).isEqualTo(new Request.Write(42, 0, 10, true));
    assertThat(decode(0, 2, 0, 0, RW)).isEqualTo(new Request.Disc(42));
    assertThat(decode(0, 3, 7, 9, RW)).isEqualTo(new Request.Flush(42));
    assertThat(decode(0, 4, 0, SIZE, RW)).isEqualTo(new Request.Trim(42, 0, SIZE, false));
    assertThat(decode(0, 5, 0, SIZE, RW)).isEqualTo(new Request.Cache(42, 0, SIZE));
    assertThat(decode(0x12, 6, 0, SIZE, RW))
        .isEqualTo(new Request.WriteZeroes(42, 0, SIZE, false, true, true));
    assertThat(decode(8, 7, 0, SIZE, RW)).isEqualTo(new Request.BlockStatus(42, 0, SIZE, true));
  }

  @Test
  void badMagicIsAProtocolViolation() {
    ByteBuffer b = RawClient.header(0, 0, 1, 0, 0);
    b.putInt(0, 0x25609514);
    assertThatThrownBy(() -> RequestCodec.decode(b, RW)).isInstanceOf(ProtocolException.class);
  }

  @Test
  void unknownCommandIsEinval() throws Exception {
    assertThat(error(decode(0, 99, 0, 0, RW))).isEqualTo(Nbd.EINVAL);
    assertThat(error(decode(0, 8, 0, 0, RW))).isEqualTo(Nbd.EINVAL); // RESIZE: not offered
  }

  @Test
  void flagNotValidForTheCommandIsEinval() throws Exception {
    assertThat(error(decode(Nbd.CMD_FLAG_NO_HOLE, 0, 0, 512, RW))).isEqualTo(Nbd.EINVAL);
    assertThat(error(decode(Nbd.CMD_FLAG_DF, 0, 0, 512, SIMPLE))).isEqualTo(Nbd.EINVAL);
    assertThat(error(decode(0x40, 3, 0, 0, RW))).isEqualTo(Nbd.EINVAL);
    assertThat(error(decode(Nbd.CMD_FLAG_FAST_ZERO, 6, 0, 512, RO))).isEqualTo(Nbd.EINVAL);
  }

  @Test
  void lengthOverTheMaximumIsEinvalAndAWritesPayloadIsStillDropped() throws Exception {
    assertThat(error(decode(0, 0, 0, (32 << 20) + 1, RW))).isEqualTo(Nbd.EINVAL);
    Request w = decode(0, 1, 0, (32 << 20) + 1, RW);
    assertThat(error(w)).isEqualTo(Nbd.EINVAL);
    assertThat(((Request.Invalid) w).payloadBytes()).isEqualTo((32 << 20) + 1);
  }

  @Test
  void writePayloadTooLargeToDropIsAProtocolViolation() {
    assertThatThrownBy(() -> decode(0, 1, 0, (64L << 20) + 1, RW))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void pastTheEndIsEinvalForReadsAndEnospcForWrites() throws Exception {
    assertThat(error(decode(0, 0, SIZE - 511, 512, RW))).isEqualTo(Nbd.EINVAL);
    assertThat(error(decode(0, 1, SIZE, 1, RW))).isEqualTo(Nbd.ENOSPC);
    assertThat(error(decode(0, 6, SIZE - 1, 2, RW))).isEqualTo(Nbd.ENOSPC);
    assertThat(error(decode(0, 4, SIZE, 1, RW))).isEqualTo(Nbd.EINVAL);
    assertThat(error(decode(0, 5, SIZE, 1, RW))).isEqualTo(Nbd.EINVAL);
    assertThat(error(decode(0, 7, SIZE, 1, RW))).isEqualTo(Nbd.EINVAL);
    // u64 offsets near 2^64 must not wrap around into range
    assertThat(error(decode(0, 0, -1L, 1, RW))).isEqualTo(Nbd.EINVAL);
    assertThat(error(decode(0, 0, Long.MIN_VALUE, 1, RW))).isEqualTo(Nbd.EINVAL);
    assertThat(decode(0, 0, SIZE, 0, RW)).isInstanceOf(Request.Read.class);
  }

  @Test
  void writesToAReadOnlyExportAreEperm() throws Exception {
    assertThat(error(decode(0, 1, 0, 512, RO))).isEqualTo(Nbd.EPERM);
    assertThat(error(decode(0, 4, 0, 512, RO))).isEqualTo(Nbd.EPERM);
    assertThat(error(decode(0, 6, 0, 512, RO))).isEqualTo(Nbd.EPERM);
    assertThat(decode(0, 0, 0, 512, RO)).isInstanceOf(Request.Read.class);
  }

  @Test
  void blockStatusNeedsANegotiatedContextAndALength() throws Exception {
    assertThat(error(decode(0, 7, 0, 512, SIMPLE))).isEqualTo(Nbd.EINVAL);
    assertThat(error(decode(0, 7, 0, 512, new RequestCodec.ExportShape(SIZE, false, true, false))))
        .isEqualTo(Nbd.EINVAL);
    assertThat(error(decode(0, 7, 0, 0, RW))).isEqualTo(Nbd.EINVAL);
  }

  /** Any 28 bytes with the right magic: a request, never an exception besides the typed one. */
  @Property(tries = 5000)
  void hostileHeadersDecodeToARequestOrATypedViolation(
      @ForAll short flags,
      @ForAll short type,
      @ForAll long offset,
      @ForAll int length,
      @ForAll boolean readOnly) {
    ByteBuffer b = RawClient.header(flags, type & 0xf, 1, offset, Integer.toUnsignedLong(length));
    try {
      Request r = RequestCodec.decode(b, readOnly ? RO : RW);
      if (!(r instanceof Request.Invalid)
          && !(r instanceof Request.Disc)
          && !(r instanceof Request.Flush)) {
        assertThat(Long.compareUnsigned(offset, SIZE)).isLessThanOrEqualTo(0);
        assertThat(Integer.toUnsignedLong(length)).isLessThanOrEqualTo(SIZE - offset);
      }
    } catch (ProtocolException e) {
      assertThat(type & 0xf).isEqualTo(Nbd.CMD_WRITE);
    }
  }
}

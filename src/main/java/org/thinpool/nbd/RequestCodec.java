package org.thinpool.nbd;

import java.nio.ByteBuffer;

/**
 * Decodes and validates transmission requests, pure.
 *
 * <pre>
 * request   0: u32 0x25609513  4: u16 command flags  6: u16 type  8: u64 cookie
 *          16: u64 offset     24: u32 length        28: length bytes of data (WRITE only)
 * </pre>
 *
 * <p>Only a bad magic and a WRITE payload too large to drop end the connection; everything else
 * becomes a {@link Request.Invalid} with the errno the protocol names for it.
 */
final class RequestCodec {
  private RequestCodec() {}

  /** What validation needs to know of the export and of the negotiation. */
  record ExportShape(
      long sizeBytes, boolean readOnly, boolean structuredReplies, boolean allocationContext) {}

  /** A request header as it came. */
  record Header(int flags, int type, long cookie, long offsetBytes, long lengthBytes) {}

  static Header decodeHeader(ByteBuffer b) throws ProtocolException {
    int magic = b.getInt();
    if (magic != Nbd.REQUEST_MAGIC) {
      throw ProtocolException.badMagic("bad request magic 0x" + Integer.toHexString(magic));
    }
    int flags = Short.toUnsignedInt(b.getShort());
    int type = Short.toUnsignedInt(b.getShort());
    long cookie = b.getLong();
    long offset = b.getLong();
    return new Header(flags, type, cookie, offset, Integer.toUnsignedLong(b.getInt()));
  }

  static Request decode(ByteBuffer b, ExportShape shape) throws ProtocolException {
    return validate(decodeHeader(b), shape);
  }

  static Request validate(Header h, ExportShape shape) throws ProtocolException {
    if (h.type() == Nbd.CMD_WRITE && h.lengthBytes() > Nbd.MAX_DROPPED_WRITE_BYTES) {
      throw new ProtocolException("write payload of " + h.lengthBytes() + " bytes");
    }
    long payload = h.type() == Nbd.CMD_WRITE ? h.lengthBytes() : 0;
    int allowed = allowedFlags(h.type(), shape);
    if (allowed < 0) {
      return invalid(h, Nbd.EINVAL, "unknown command " + h.type(), payload);
    }
    if ((h.flags() & ~allowed) != 0) {
      return invalid(
          h,
          Nbd.EINVAL,
          "unsupported flags 0x" + Integer.toHexString(h.flags()) + " for command " + h.type(),
          payload);
    }
    return switch (h.type()) {
      case Nbd.CMD_READ -> read(h, shape);
      case Nbd.CMD_WRITE -> write(h, shape);
      case Nbd.CMD_DISC -> new Request.Disc(h.cookie());
      case Nbd.CMD_FLUSH -> new Request.Flush(h.cookie());
      case Nbd.CMD_TRIM -> trim(h, shape);
      case Nbd.CMD_CACHE ->
          pastEnd(h, shape)
              ? invalid(h, Nbd.EINVAL, "cache past the end", 0)
              : new Request.Cache(h.cookie(), h.offsetBytes(), h.lengthBytes());
      case Nbd.CMD_WRITE_ZEROES -> writeZeroes(h, shape);
      case Nbd.CMD_BLOCK_STATUS -> blockStatus(h, shape);
      default -> throw new AssertionError("command " + h.type() + " passed the flag check");
    };
  }

  /** The command flags valid for a command type here, or -1 for an unknown command. */
  private static int allowedFlags(int type, ExportShape shape) {
    int fua = Nbd.CMD_FLAG_FUA; // advertised SEND_FUA: accepted on every command
    return switch (type) {
      case Nbd.CMD_READ -> fua | (shape.structuredReplies() ? Nbd.CMD_FLAG_DF : 0);
      case Nbd.CMD_WRITE, Nbd.CMD_DISC, Nbd.CMD_FLUSH, Nbd.CMD_TRIM, Nbd.CMD_CACHE -> fua;
      case Nbd.CMD_WRITE_ZEROES ->
          fua | Nbd.CMD_FLAG_NO_HOLE | (shape.readOnly() ? 0 : Nbd.CMD_FLAG_FAST_ZERO);
      case Nbd.CMD_BLOCK_STATUS -> fua | Nbd.CMD_FLAG_REQ_ONE;
      default -> -1;
    };
  }

  private static Request read(Header h, ExportShape shape) {
    if (h.lengthBytes() > Nbd.MAX_PAYLOAD_BYTES) {
      return invalid(
          h,
          Nbd.EINVAL,
          "read of " + h.lengthBytes() + " bytes is over the maximum " + Nbd.MAX_PAYLOAD_BYTES,
          0);
    }
    if (pastEnd(h, shape)) {
      return invalid(h, Nbd.EINVAL, "read past the end of the export", 0);
    }
    return new Request.Read(
        h.cookie(), h.offsetBytes(), (int) h.lengthBytes(), (h.flags() & Nbd.CMD_FLAG_DF) != 0);
  }

  private static Request write(Header h, ExportShape shape) {
    long payload = h.lengthBytes();
    if (shape.readOnly()) {
      return invalid(h, Nbd.EPERM, "the export is read-only", payload);
    }
    if (payload > Nbd.MAX_PAYLOAD_BYTES) {
      return invalid(
          h,
          Nbd.EINVAL,
          "write of " + payload + " bytes is over the maximum " + Nbd.MAX_PAYLOAD_BYTES,
          payload);
    }
    if (pastEnd(h, shape)) {
      return invalid(h, Nbd.ENOSPC, "write past the end of the export", payload);
    }
    return new Request.Write(h.cookie(), h.offsetBytes(), (int) payload, fua(h));
  }

  private static Request trim(Header h, ExportShape shape) {
    if (shape.readOnly()) {
      return invalid(h, Nbd.EPERM, "the export is read-only", 0);
    }
    if (pastEnd(h, shape)) {
      return invalid(h, Nbd.EINVAL, "trim past the end of the export", 0);
    }
    return new Request.Trim(h.cookie(), h.offsetBytes(), h.lengthBytes(), fua(h));
  }

  private static Request writeZeroes(Header h, ExportShape shape) {
    if (shape.readOnly()) {
      return invalid(h, Nbd.EPERM, "the export is read-only", 0);
    }
    if (pastEnd(h, shape)) {
      return invalid(h, Nbd.ENOSPC, "write zeroes past the end of the export", 0);
    }
    return new Request.WriteZeroes(
        h.cookie(),
        h.offsetBytes(),
        h.lengthBytes(),
        fua(h),
        (h.flags() & Nbd.CMD_FLAG_NO_HOLE) != 0,
        (h.flags() & Nbd.CMD_FLAG_FAST_ZERO) != 0);
  }

  private static Request blockStatus(Header h, ExportShape shape) {
    if (!shape.structuredReplies() || !shape.allocationContext()) {
      return invalid(
          h, Nbd.EINVAL, "block status needs structured replies and a meta" + " context", 0);
    }
    if (h.lengthBytes() == 0) {
      return invalid(h, Nbd.EINVAL, "block status of length 0", 0);
    }
    if (pastEnd(h, shape)) {
      return invalid(h, Nbd.EINVAL, "block status past the end of the export", 0);
    }
    return new Request.BlockStatus(
        h.cookie(), h.offsetBytes(), h.lengthBytes(), (h.flags() & Nbd.CMD_FLAG_REQ_ONE) != 0);
  }

  /** offset + length > size, in unsigned arithmetic that cannot overflow. */
  static boolean pastEnd(Header h, ExportShape shape) {
    long size = shape.sizeBytes();
    return Long.compareUnsigned(h.offsetBytes(), size) > 0
        || h.lengthBytes() > size - h.offsetBytes();
  }

  private static boolean fua(Header h) {
    return (h.flags() & Nbd.CMD_FLAG_FUA) != 0;
  }

  private static Request invalid(Header h, int error, String message, long payload) {
    return new Request.Invalid(h.cookie(), error, message, payload);
  }
}

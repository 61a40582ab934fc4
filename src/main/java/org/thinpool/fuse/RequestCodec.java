package org.thinpool.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Decodes one request as read from {@code /dev/fuse}: bytes in, a {@link FuseRequest} out; pure, no
 * I/O. Every length is checked against the bytes actually read, so a short or inconsistent request
 * is a {@link FuseProtocolException}, never a read past the end. Argument layouts (offsets after
 * the 40-byte header; see {@link Fuse} for the header):
 *
 * <pre>
 * INIT       0 major u32, 4 minor u32, 8 max_readahead u32, 12 flags u32 (7.36+: more)
 * LOOKUP     0 name, NUL-terminated
 * SETATTR    0 valid u32, 4 pad, 8 fh u64, 16 size u64, ... (88 bytes)
 * OPEN(DIR)  0 flags u32, 4 open_flags u32
 * READ(DIR*) 0 fh u64, 8 offset u64, 16 size u32, 20 read_flags u32, 24 lock_owner u64, ...
 * WRITE      0 fh u64, 8 offset u64, 16 size u32, ... (40 bytes), then size bytes of data
 * RELEASE    0 fh u64, 8 flags u32, 12 release_flags u32, 16 lock_owner u64
 * FLUSH      0 fh u64, 8 unused u32, 12 pad u32, 16 lock_owner u64
 * FSYNC      0 fh u64, 8 fsync_flags u32, 12 pad
 * FALLOCATE  0 fh u64, 8 offset u64, 16 length u64, 24 mode u32, 28 pad
 * FORGET     0 nlookup u64;  BATCH_FORGET 0 count u32, 4 pad, then count x (nodeid, nlookup)
 * INTERRUPT  0 unique u64
 * </pre>
 */
final class RequestCodec {
  private RequestCodec() {}

  /** Decodes the request in {@code frame} (position 0, limit = bytes read). */
  static FuseRequest decode(ByteBuffer frame) throws FuseProtocolException {
    ByteBuffer b = frame.duplicate().order(ByteOrder.nativeOrder());
    if (b.remaining() < Fuse.IN_HEADER_BYTES) {
      throw new FuseProtocolException("request of " + b.remaining() + " bytes has no header");
    }
    int len = b.getInt(0);
    if (len != b.remaining()) {
      throw new FuseProtocolException(
          "request says " + Integer.toUnsignedString(len) + " bytes, read " + b.remaining());
    }
    int opcode = b.getInt(4);
    long unique = b.getLong(8);
    long node = b.getLong(16);
    int extBytes = 8 * Short.toUnsignedInt(b.getShort(36));
    if (extBytes > len - Fuse.IN_HEADER_BYTES) {
      throw new FuseProtocolException("request extensions of " + extBytes + " bytes overrun it");
    }
    ByteBuffer args = b.slice(Fuse.IN_HEADER_BYTES, len - Fuse.IN_HEADER_BYTES - extBytes);
    args.order(ByteOrder.nativeOrder());
    return decodeArgs(opcode, unique, node, args);
  }

  private static FuseRequest decodeArgs(int opcode, long unique, long node, ByteBuffer a)
      throws FuseProtocolException {
    return switch (opcode) {
      case Fuse.INIT -> {
        need(a, Fuse.INIT_IN_MIN_BYTES, "INIT");
        yield new FuseRequest.Init(unique, a.getInt(0), a.getInt(4), a.getInt(8), a.getInt(12));
      }
      case Fuse.LOOKUP -> new FuseRequest.Lookup(unique, node, name(a));
      case Fuse.GETATTR -> new FuseRequest.Getattr(unique, node);
      case Fuse.SETATTR -> {
        need(a, Fuse.SETATTR_IN_BYTES, "SETATTR");
        yield new FuseRequest.Setattr(unique, node, a.getInt(0), a.getLong(16));
      }
      case Fuse.OPEN -> {
        need(a, Fuse.OPEN_IN_BYTES, "OPEN");
        yield new FuseRequest.Open(unique, node, a.getInt(0));
      }
      case Fuse.READ -> {
        need(a, Fuse.READ_IN_BYTES, "READ");
        yield new FuseRequest.Read(unique, node, a.getLong(0), a.getLong(8), size(a, "READ"));
      }
      case Fuse.WRITE -> write(unique, node, a);
      case Fuse.FLUSH -> new FuseRequest.Flush(unique, node, fh(a, Fuse.FLUSH_IN_BYTES, "FLUSH"));
      case Fuse.FSYNC, Fuse.FSYNCDIR ->
          new FuseRequest.Fsync(unique, node, fh(a, Fuse.FSYNC_IN_BYTES, "FSYNC"));
      case Fuse.RELEASE ->
          new FuseRequest.Release(unique, node, fh(a, Fuse.RELEASE_IN_BYTES, "RELEASE"));
      case Fuse.OPENDIR -> new FuseRequest.Opendir(unique, node);
      case Fuse.READDIR, Fuse.READDIRPLUS -> {
        need(a, Fuse.READ_IN_BYTES, "READDIR");
        yield new FuseRequest.Readdir(
            unique, node, a.getLong(8), size(a, "READDIR"), opcode == Fuse.READDIRPLUS);
      }
      case Fuse.RELEASEDIR -> new FuseRequest.Releasedir(unique, node);
      case Fuse.STATFS -> new FuseRequest.Statfs(unique);
      case Fuse.FALLOCATE -> {
        need(a, Fuse.FALLOCATE_IN_BYTES, "FALLOCATE");
        yield new FuseRequest.Fallocate(
            unique, node, a.getLong(0), a.getLong(8), a.getLong(16), a.getInt(24));
      }
      case Fuse.FORGET -> {
        need(a, Fuse.FORGET_IN_BYTES, "FORGET");
        yield new FuseRequest.Forget(unique, 1);
      }
      case Fuse.BATCH_FORGET -> batchForget(unique, a);
      case Fuse.INTERRUPT -> {
        need(a, Fuse.INTERRUPT_IN_BYTES, "INTERRUPT");
        yield new FuseRequest.Interrupt(unique, a.getLong(0));
      }
      case Fuse.DESTROY -> new FuseRequest.Destroy(unique);
      default -> new FuseRequest.Unknown(unique, opcode);
    };
  }

  private static FuseRequest write(long unique, long node, ByteBuffer a)
      throws FuseProtocolException {
    need(a, Fuse.WRITE_IN_BYTES, "WRITE");
    int size = size(a, "WRITE");
    if (size != a.remaining() - Fuse.WRITE_IN_BYTES) {
      throw new FuseProtocolException(
          "WRITE of " + size + " bytes carries " + (a.remaining() - Fuse.WRITE_IN_BYTES));
    }
    ByteBuffer data = a.slice(Fuse.WRITE_IN_BYTES, size);
    return new FuseRequest.Write(unique, node, a.getLong(0), a.getLong(8), data);
  }

  private static FuseRequest batchForget(long unique, ByteBuffer a) throws FuseProtocolException {
    need(a, Fuse.BATCH_FORGET_IN_BYTES, "BATCH_FORGET");
    long count = Integer.toUnsignedLong(a.getInt(0));
    if (count * Fuse.FORGET_ONE_BYTES > a.remaining() - Fuse.BATCH_FORGET_IN_BYTES) {
      throw new FuseProtocolException("BATCH_FORGET of " + count + " entries is cut short");
    }
    return new FuseRequest.Forget(unique, (int) count);
  }

  /** A NUL-terminated name within the arguments, at most {@link Fuse#MAX_NAME_BYTES}. */
  private static String name(ByteBuffer a) throws FuseProtocolException {
    int end = -1;
    for (int i = 0; i < a.remaining(); i++) {
      if (a.get(i) == 0) {
        end = i;
        break;
      }
    }
    if (end < 0 || end > Fuse.MAX_NAME_BYTES) {
      throw new FuseProtocolException("LOOKUP name is not a NUL-terminated name of <= 255 bytes");
    }
    byte[] bytes = new byte[end];
    a.get(0, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static long fh(ByteBuffer a, int bytes, String op) throws FuseProtocolException {
    need(a, bytes, op);
    return a.getLong(0);
  }

  /** The u32 size at offset 16, refused beyond the largest request we serve. */
  private static int size(ByteBuffer a, String op) throws FuseProtocolException {
    long size = Integer.toUnsignedLong(a.getInt(16));
    if (size > Fuse.MAX_WRITE_BYTES) {
      throw new FuseProtocolException(op + " of " + size + " bytes exceeds the negotiated 1 MiB");
    }
    return (int) size;
  }

  private static void need(ByteBuffer a, int bytes, String op) throws FuseProtocolException {
    if (a.remaining() < bytes) {
      throw new FuseProtocolException(
          op + " arguments are " + a.remaining() + " bytes, need " + bytes);
    }
  }
}

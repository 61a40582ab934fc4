package org.thinpool.nbd;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes transmission replies, pure.
 *
 * <pre>
 * simple reply      0: u32 0x67446698  4: u32 error  8: u64 cookie  16: data (successful READ)
 * structured chunk  0: u32 0x668e33ef  4: u16 flags (bit 0 DONE)  6: u16 type  8: u64 cookie
 *                  16: u32 payload length P  20: P bytes payload
 *   OFFSET_DATA     u64 offset, then the data
 *   OFFSET_HOLE     u64 offset, u32 hole length
 *   BLOCK_STATUS    u32 context id, then n x (u32 extent length, u32 flags)
 *   ERROR           u32 error, u16 message length M, M bytes message
 * </pre>
 */
final class ReplyCodec {
  private ReplyCodec() {}

  /** One base:allocation extent: a non-zero length (u32) and its state flags. */
  record Extent(long lengthBytes, int flags) {
    Extent {
      if (lengthBytes <= 0 || lengthBytes > 0xffffffffL) {
        throw new AssertionError("extent length " + lengthBytes);
      }
    }
  }

  static ByteBuffer simple(long cookie, int error) {
    return ByteBuffer.allocate(Nbd.SIMPLE_REPLY_BYTES)
        .putInt(Nbd.SIMPLE_REPLY_MAGIC)
        .putInt(error)
        .putLong(cookie)
        .flip();
  }

  static ByteBuffer chunkHeader(long cookie, boolean done, int type, int payloadBytes) {
    return ByteBuffer.allocate(Nbd.CHUNK_HEADER_BYTES)
        .putInt(Nbd.STRUCTURED_REPLY_MAGIC)
        .putShort((short) (done ? Nbd.REPLY_FLAG_DONE : 0))
        .putShort((short) type)
        .putLong(cookie)
        .putInt(payloadBytes)
        .flip();
  }

  static ByteBuffer none(long cookie) {
    return chunkHeader(cookie, true, Nbd.REPLY_TYPE_NONE, 0);
  }

  /** Header and offset of an OFFSET_DATA chunk; the {@code dataBytes} follow. */
  static ByteBuffer offsetDataHeader(long cookie, boolean done, long offsetBytes, int dataBytes) {
    if (dataBytes <= 0 || dataBytes > Nbd.MAX_PAYLOAD_BYTES) {
      throw new AssertionError("data chunk of " + dataBytes + " bytes");
    }
    ByteBuffer b = ByteBuffer.allocate(Nbd.CHUNK_HEADER_BYTES + 8);
    b.put(chunkHeader(cookie, done, Nbd.REPLY_TYPE_OFFSET_DATA, 8 + dataBytes));
    return b.putLong(offsetBytes).flip();
  }

  static ByteBuffer hole(long cookie, boolean done, long offsetBytes, int lengthBytes) {
    if (lengthBytes <= 0) {
      throw new AssertionError("hole of " + lengthBytes + " bytes");
    }
    ByteBuffer b = ByteBuffer.allocate(Nbd.CHUNK_HEADER_BYTES + 12);
    b.put(chunkHeader(cookie, done, Nbd.REPLY_TYPE_OFFSET_HOLE, 12));
    return b.putLong(offsetBytes).putInt(lengthBytes).flip();
  }

  static ByteBuffer blockStatus(long cookie, int contextId, List<Extent> extents) {
    if (extents.isEmpty() || extents.size() > Nbd.MAX_EXTENTS) {
      throw new AssertionError(extents.size() + " extents");
    }
    int payload = 4 + 8 * extents.size();
    ByteBuffer b = ByteBuffer.allocate(Nbd.CHUNK_HEADER_BYTES + payload);
    b.put(chunkHeader(cookie, true, Nbd.REPLY_TYPE_BLOCK_STATUS, payload)).putInt(contextId);
    for (Extent e : extents) {
      b.putInt((int) e.lengthBytes()).putInt(e.flags());
    }
    return b.flip();
  }

  /** The errno a reply starts with: a simple reply's error, an ERROR chunk's, else 0. */
  static int errorOf(ByteBuffer first) {
    int magic = first.getInt(0);
    if (magic == Nbd.SIMPLE_REPLY_MAGIC) {
      return first.getInt(4);
    }
    boolean errorChunk = (first.getShort(6) & 0x8000) != 0;
    return errorChunk ? first.getInt(Nbd.CHUNK_HEADER_BYTES) : 0;
  }

  static ByteBuffer error(long cookie, int error, String message) {
    if (error == 0) {
      throw new AssertionError("error chunk without an error");
    }
    byte[] m = message.getBytes(StandardCharsets.UTF_8);
    int len = Math.min(m.length, Nbd.MAX_STRING_BYTES);
    ByteBuffer b = ByteBuffer.allocate(Nbd.CHUNK_HEADER_BYTES + 6 + len);
    b.put(chunkHeader(cookie, true, Nbd.REPLY_TYPE_ERROR, 6 + len));
    return b.putInt(error).putShort((short) len).put(m, 0, len).flip();
  }
}

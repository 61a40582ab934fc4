package org.thinpool.nbd;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The handshake's codecs, pure: bytes in, records out, and records in, bytes out.
 *
 * <pre>
 * greeting (server)   0: u64 "NBDMAGIC"  8: u64 "IHAVEOPT"  16: u16 handshake flags
 * client flags        0: u32
 * option (client)     0: u64 IHAVEOPT  8: u32 option  12: u32 length L  16: L bytes data
 * option reply        0: u64 0x0003e889045565a9  8: u32 option  12: u32 type  16: u32 length R
 *                     20: R bytes data
 * GO / INFO data      0: u32 N  4: N bytes name  4+N: u16 K  6+N: K x u16 info type
 * META_CONTEXT data   0: u32 N  4: N bytes name  4+N: u32 Q  then Q x (u32 len, len bytes)
 * EXPORT_NAME answer  0: u64 size  8: u16 transmission flags  [10: 124 zero bytes]
 * </pre>
 */
final class OptionCodec {
  private OptionCodec() {}

  /** An option's header: its code and the length of the data that follows. */
  record OptionHeader(int option, long lengthBytes) {}

  /** GO or INFO: the export's name and the info types asked for. */
  record ExportQuery(String name, List<Integer> infoTypes) {
    ExportQuery {
      infoTypes = List.copyOf(infoTypes);
    }
  }

  /** LIST_META_CONTEXT or SET_META_CONTEXT: the export's name and the context queries. */
  record MetaContextQuery(String name, List<String> queries) {
    MetaContextQuery {
      queries = List.copyOf(queries);
    }
  }

  static ByteBuffer greeting() {
    return ByteBuffer.allocate(Nbd.GREETING_BYTES)
        .putLong(Nbd.INIT_PASSWD)
        .putLong(Nbd.IHAVEOPT)
        .putShort((short) (Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES))
        .flip();
  }

  /** Checks the client flags; unknown bits are a MUST violation (close). */
  static int decodeClientFlags(ByteBuffer b) throws ProtocolException {
    int flags = b.getInt();
    if ((flags & ~Nbd.KNOWN_CLIENT_FLAGS) != 0) {
      throw new ProtocolException("unknown client flags 0x" + Integer.toHexString(flags));
    }
    return flags;
  }

  static OptionHeader decodeOptionHeader(ByteBuffer b) throws ProtocolException {
    long magic = b.getLong();
    if (magic != Nbd.IHAVEOPT) {
      throw ProtocolException.badMagic("bad option magic 0x" + Long.toHexString(magic));
    }
    int option = b.getInt();
    return new OptionHeader(option, Integer.toUnsignedLong(b.getInt()));
  }

  static ExportQuery decodeExportQuery(ByteBuffer data) throws InvalidOptionException {
    String name = string(data, u32Length(data, 2));
    if (data.remaining() < 2) {
      throw new InvalidOptionException("missing info request count");
    }
    int count = Short.toUnsignedInt(data.getShort());
    if (count > Nbd.MAX_INFO_REQUESTS || data.remaining() != 2 * count) {
      throw new InvalidOptionException(
          "info request count " + count + " does not match the" + " option length");
    }
    List<Integer> types = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      types.add(Short.toUnsignedInt(data.getShort()));
    }
    return new ExportQuery(name, types);
  }

  static MetaContextQuery decodeMetaContextQuery(ByteBuffer data) throws InvalidOptionException {
    String name = string(data, u32Length(data, 4));
    if (data.remaining() < 4) {
      throw new InvalidOptionException("missing query count");
    }
    long count = Integer.toUnsignedLong(data.getInt());
    if (count > Nbd.MAX_META_QUERIES) {
      throw new InvalidOptionException("too many meta context queries: " + count);
    }
    List<String> queries = new ArrayList<>((int) count);
    for (int i = 0; i < count; i++) {
      queries.add(string(data, u32Length(data, 0)));
    }
    if (data.hasRemaining()) {
      throw new InvalidOptionException(data.remaining() + " bytes after the last query");
    }
    return new MetaContextQuery(name, queries);
  }

  /** EXPORT_NAME's data is the whole name, without a length. */
  static String decodeExportName(ByteBuffer data) throws InvalidOptionException {
    return string(data, data.remaining());
  }

  /** A u32 length that must leave {@code after} more bytes in {@code data}. */
  private static int u32Length(ByteBuffer data, int after) throws InvalidOptionException {
    if (data.remaining() < 4) {
      throw new InvalidOptionException("truncated length field");
    }
    long n = Integer.toUnsignedLong(data.getInt());
    if (n > Nbd.MAX_STRING_BYTES || n > data.remaining() - (long) after) {
      throw new InvalidOptionException("string length " + n + " overruns the option data");
    }
    return (int) n;
  }

  private static String string(ByteBuffer data, int lengthBytes) throws InvalidOptionException {
    if (lengthBytes > Nbd.MAX_STRING_BYTES || lengthBytes > data.remaining()) {
      throw new InvalidOptionException("string of " + lengthBytes + " bytes is too long");
    }
    ByteBuffer s = data.slice(data.position(), lengthBytes);
    data.position(data.position() + lengthBytes);
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(s)
              .toString();
      if (text.indexOf('\0') >= 0) {
        throw new InvalidOptionException("string contains NUL");
      }
      return text;
    } catch (CharacterCodingException e) {
      throw new InvalidOptionException("string is not UTF-8");
    }
  }

  // ---- replies ----

  static ByteBuffer reply(int option, int type, ByteBuffer data) {
    ByteBuffer b = ByteBuffer.allocate(20 + data.remaining());
    return b.putLong(Nbd.OPTION_REPLY_MAGIC)
        .putInt(option)
        .putInt(type)
        .putInt(data.remaining())
        .put(data.duplicate())
        .flip();
  }

  static ByteBuffer ack(int option) {
    return reply(option, Nbd.REP_ACK, ByteBuffer.allocate(0));
  }

  static ByteBuffer error(int option, int type, String message) {
    return reply(option, type, ByteBuffer.wrap(utf8(message)));
  }

  static ByteBuffer server(String name, String description) {
    byte[] n = utf8(name);
    byte[] d = utf8(description);
    ByteBuffer data =
        ByteBuffer.allocate(4 + n.length + d.length).putInt(n.length).put(n).put(d).flip();
    return reply(Nbd.OPT_LIST, Nbd.REP_SERVER, data);
  }

  static ByteBuffer metaContext(int option, int id, String name) {
    byte[] n = utf8(name);
    return reply(
        option, Nbd.REP_META_CONTEXT, ByteBuffer.allocate(4 + n.length).putInt(id).put(n).flip());
  }

  static ByteBuffer infoExport(int option, long sizeBytes, int transmissionFlags) {
    return reply(
        option,
        Nbd.REP_INFO,
        ByteBuffer.allocate(12)
            .putShort((short) Nbd.INFO_EXPORT)
            .putLong(sizeBytes)
            .putShort((short) transmissionFlags)
            .flip());
  }

  static ByteBuffer infoText(int option, int infoType, String text) {
    byte[] t = utf8(text);
    return reply(
        option,
        Nbd.REP_INFO,
        ByteBuffer.allocate(2 + t.length).putShort((short) infoType).put(t).flip());
  }

  static ByteBuffer infoBlockSize(int option, int minimum, int preferred, int maximum) {
    return reply(
        option,
        Nbd.REP_INFO,
        ByteBuffer.allocate(14)
            .putShort((short) Nbd.INFO_BLOCK_SIZE)
            .putInt(minimum)
            .putInt(preferred)
            .putInt(maximum)
            .flip());
  }

  static ByteBuffer exportNameAnswer(long sizeBytes, int transmissionFlags, boolean zeroes) {
    ByteBuffer b = ByteBuffer.allocate(10 + (zeroes ? Nbd.EXPORT_NAME_ZEROES : 0));
    b.putLong(sizeBytes).putShort((short) transmissionFlags);
    return b.position(b.capacity()).flip();
  }

  private static byte[] utf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return b.length <= Nbd.MAX_STRING_BYTES ? b : java.util.Arrays.copyOf(b, Nbd.MAX_STRING_BYTES);
  }
}

package org.thinpool.snapshotter;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The snapshot records file, {@code DIR/snapshotter/records}: a header, then entries appended one
 * per change and made durable (fdatasync) before the change is acknowledged. Big-endian:
 *
 * <pre>
 * header:  0  8  magic "TPSNAP01"
 * entry:   0  4  payload length n (at most MAX_ENTRY_BYTES)
 *          4  4  crc32c of the payload
 *          8  n  payload
 * payload: 0  1  op: 1 = base device, 2 = change
 *   base:     8 device id | str fs type | 8 size in bytes
 *   change:   4 count r | r x str name removed | 4 count p | p x record
 * record:  str name | str parent | 1 kind (0 view, 1 active, 2 committed) | 8 device id
 *          | 8 created epoch seconds | 4 nanos | 8 updated epoch seconds | 4 nanos
 *          | 4 label count l | l x (str key | str value)
 * str:     4 length | UTF-8 bytes
 * </pre>
 *
 * A crash can tear only the last entry (appends are sequential); replay drops a torn last entry,
 * which was never acknowledged, and refuses a damaged one followed by others.
 */
final class RecordCodec {
  static final byte[] MAGIC = "TPSNAP01".getBytes(StandardCharsets.US_ASCII);
  static final int ENTRY_HEADER_BYTES = 8;

  /** An entry holds at most two names and one record, whose parts are bounded by Limits. */
  static final int MAX_ENTRY_BYTES = 4 << 20;

  /** dm-thin device ids are 24-bit. */
  static final long MAX_DEVICE_ID = 1L << 24;

  private static final byte OP_BASE = 1;
  private static final byte OP_CHANGE = 2;

  private RecordCodec() {}

  static byte[] encodeBase(BaseDevice base) {
    return frame(
        out -> {
          out.writeByte(OP_BASE);
          out.writeLong(base.deviceId());
          str(out, base.fs().type());
          out.writeLong(base.sizeBytes());
        });
  }

  static byte[] encodeChange(RecordChange change) {
    return frame(
        out -> {
          out.writeByte(OP_CHANGE);
          out.writeInt(change.removed().size());
          for (String n : change.removed()) {
            str(out, n);
          }
          out.writeInt(change.put().size());
          for (SnapshotRecord r : change.put()) {
            record(out, r);
          }
        });
  }

  /** A decoded payload: a {@link BaseDevice} or a {@link RecordChange}. */
  static Object decode(ByteBuffer payload) throws java.io.IOException {
    try {
      byte op = payload.get();
      Object result =
          switch (op) {
            case OP_BASE ->
                new BaseDevice(payload.getLong(), FsType.of(str(payload)), payload.getLong());
            case OP_CHANGE -> change(payload);
            default -> throw new IllegalArgumentException("unknown op " + op);
          };
      if (payload.hasRemaining()) {
        throw new IllegalArgumentException(payload.remaining() + " bytes after the entry");
      }
      return result;
    } catch (BufferUnderflowException | IllegalArgumentException | AssertionError e) {
      throw new java.io.IOException("bad snapshot record entry: " + e.getMessage(), e);
    }
  }

  private static RecordChange change(ByteBuffer b) {
    int r = count(b);
    List<String> removed = new ArrayList<>(r);
    for (int i = 0; i < r; i++) {
      removed.add(str(b));
    }
    int p = count(b);
    List<SnapshotRecord> put = new ArrayList<>(p);
    for (int i = 0; i < p; i++) {
      put.add(record(b));
    }
    return new RecordChange(removed, put);
  }

  private static SnapshotRecord record(ByteBuffer b) {
    String name = str(b);
    String parent = str(b);
    SnapshotKind kind = kind(b.get());
    long device = b.getLong();
    Instant created = Instant.ofEpochSecond(b.getLong(), b.getInt());
    Instant updated = Instant.ofEpochSecond(b.getLong(), b.getInt());
    int n = count(b);
    Map<String, String> labels = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      labels.put(str(b), str(b));
    }
    return new SnapshotRecord(
        new SnapshotInfo(name, parent, kind, labels, created, updated), device);
  }

  private static void record(DataOutputStream out, SnapshotRecord r) throws IOException {
    SnapshotInfo i = r.info();
    str(out, i.name());
    str(out, i.parent());
    out.writeByte(kindCode(i.kind()));
    out.writeLong(r.deviceId());
    instant(out, i.createdAt());
    instant(out, i.updatedAt());
    out.writeInt(i.labels().size());
    for (Map.Entry<String, String> e : i.labels().entrySet()) {
      str(out, e.getKey());
      str(out, e.getValue());
    }
  }

  private static void instant(DataOutputStream out, Instant t) throws IOException {
    long seconds = t.getEpochSecond();
    int nanos = t.getNano(); // the part of the second: Instant keeps it apart from the seconds
    out.writeLong(seconds);
    out.writeInt(nanos);
  }

  private static int kindCode(SnapshotKind k) {
    return switch (k) {
      case VIEW -> 0;
      case ACTIVE -> 1;
      case COMMITTED -> 2;
    };
  }

  private static SnapshotKind kind(byte code) {
    return switch (code) {
      case 0 -> SnapshotKind.VIEW;
      case 1 -> SnapshotKind.ACTIVE;
      case 2 -> SnapshotKind.COMMITTED;
      default -> throw new IllegalArgumentException("unknown kind " + code);
    };
  }

  private static int count(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw new IllegalArgumentException("count " + n + " beyond the entry");
    }
    return n;
  }

  private static String str(ByteBuffer b) {
    int n = count(b);
    byte[] bytes = new byte[n];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static void str(DataOutputStream out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  /** Length, crc32c, payload. */
  private static byte[] frame(Body body) {
    try {
      ByteArrayOutputStream payload = new ByteArrayOutputStream();
      body.write(new DataOutputStream(payload));
      byte[] p = payload.toByteArray();
      if (p.length > MAX_ENTRY_BYTES) {
        throw new AssertionError("record entry of " + p.length + " bytes passed the limits");
      }
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      crc.update(p);
      ByteBuffer out = ByteBuffer.allocate(ENTRY_HEADER_BYTES + p.length);
      out.putInt(p.length).putInt((int) crc.getValue()).put(p);
      return out.array();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
  }

  static int crc(ByteBuffer payload) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(payload.duplicate());
    return (int) crc.getValue();
  }
}

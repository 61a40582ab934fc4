package org.thinpool.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds request frames as the kernel writes them, for the codec and handler tests. */
final class Frames {
  private Frames() {}

  /** A request: the 40-byte header (len computed), then {@code args}. */
  static ByteBuffer request(int opcode, long unique, long nodeId, ByteBuffer args) {
    args = args.duplicate().flip();
    ByteBuffer b = ByteBuffer.allocate(Fuse.IN_HEADER_BYTES + args.remaining());
    b.order(ByteOrder.nativeOrder());
    b.putInt(b.capacity()).putInt(opcode).putLong(unique).putLong(nodeId);
    b.putInt(0).putInt(0).putInt(1234).putShort((short) 0).putShort((short) 0);
    b.put(args);
    return b.flip();
  }

  static ByteBuffer args(int bytes) {
    return ByteBuffer.allocate(bytes).order(ByteOrder.nativeOrder());
  }

  static ByteBuffer init(int major, int minor, int flags) {
    return args(64).putInt(major).putInt(minor).putInt(128 << 10).putInt(flags).position(64);
  }

  static ByteBuffer read(long fh, long offset, int size) {
    return args(40).putLong(fh).putLong(offset).putInt(size).position(40);
  }

  static ByteBuffer write(long fh, long offset, byte[] data) {
    return args(40 + data.length)
        .putLong(fh)
        .putLong(offset)
        .putInt(data.length)
        .position(40)
        .put(data);
  }

  static ByteBuffer name(String name) {
    byte[] b = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return args(b.length + 1).put(b).put((byte) 0);
  }
}

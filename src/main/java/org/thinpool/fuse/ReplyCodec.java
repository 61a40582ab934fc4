package org.thinpool.fuse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Encodes replies into a reader's reply buffer (host byte order, position 0 on entry): pure, no
 * I/O. A reply is the 16-byte header ({@link Fuse}) then the payload; {@link #finish} writes the
 * header once the payload's length is known. Payload layouts:
 *
 * <pre>
 * fuse_attr (88)       0 ino, 8 size, 16 blocks, 24 atime, 32 mtime, 40 ctime (u64 each),
 *                      48 atimensec, 52 mtimensec, 56 ctimensec, 60 mode, 64 nlink, 68 uid,
 *                      72 gid, 76 rdev, 80 blksize, 84 flags (u32 each)
 * fuse_entry_out (128) 0 nodeid, 8 generation, 16 entry_valid, 24 attr_valid (u64),
 *                      32 entry_valid_nsec, 36 attr_valid_nsec (u32), 40 fuse_attr
 * fuse_attr_out (104)  0 attr_valid u64, 8 attr_valid_nsec u32, 12 dummy, 16 fuse_attr
 * fuse_init_out (64)   0 major, 4 minor, 8 max_readahead, 12 flags (u32), 16 max_background u16,
 *                      18 congestion_threshold u16, 20 max_write u32, 24 time_gran u32,
 *                      28 max_pages u16, 30 map_alignment u16, 32 flags2 u32, 36.. unused
 * fuse_open_out (16)   0 fh u64, 8 open_flags u32, 12 padding
 * fuse_write_out (8)   0 size u32, 4 padding
 * fuse_kstatfs (80)    0 blocks, 8 bfree, 16 bavail, 24 files, 32 ffree (u64), 40 bsize,
 *                      44 namelen, 48 frsize (u32), 52.. padding and spare
 * fuse_dirent (24+)    0 ino u64, 8 off u64, 16 namelen u32, 20 type u32, 24 name, padded to 8
 * fuse_direntplus      fuse_entry_out, then fuse_dirent
 * </pre>
 *
 * Cache timeouts are all zero: a device's size changes when it is resized and a name goes when it
 * is released, so the kernel asks again rather than trust a copy.
 */
final class ReplyCodec {
  private ReplyCodec() {}

  /** An error reply: the header alone, error = -errno. Returns its length. */
  static int error(ByteBuffer out, long unique, int errno) {
    if (errno <= 0) {
      throw new AssertionError("errno must be positive, not " + errno);
    }
    header(out, Fuse.OUT_HEADER_BYTES, -errno, unique);
    return Fuse.OUT_HEADER_BYTES;
  }

  /** Positions {@code out} after the header, where the payload goes. */
  static ByteBuffer begin(ByteBuffer out) {
    out.clear().position(Fuse.OUT_HEADER_BYTES);
    return out;
  }

  /** Writes a success header for the payload written since {@link #begin}; returns the length. */
  static int finish(ByteBuffer out, long unique) {
    int len = out.position();
    header(out, len, 0, unique);
    return len;
  }

  private static void header(ByteBuffer out, int len, int error, long unique) {
    out.putInt(0, len).putInt(4, error).putLong(8, unique);
  }

  static void attr(ByteBuffer out, Attr a) {
    out.putLong(a.ino()).putLong(a.sizeBytes()).putLong(a.blockCount());
    out.putLong(a.timeSeconds()).putLong(a.timeSeconds()).putLong(a.timeSeconds());
    out.putInt(0).putInt(0).putInt(0);
    out.putInt(a.mode()).putInt(a.nlink()).putInt(a.uid()).putInt(a.gid());
    out.putInt(0).putInt(a.blockSizeBytes()).putInt(0);
  }

  static void entryOut(ByteBuffer out, long nodeId, Attr a) {
    out.putLong(nodeId).putLong(0).putLong(0).putLong(0).putInt(0).putInt(0);
    attr(out, a);
  }

  static void attrOut(ByteBuffer out, Attr a) {
    out.putLong(0).putInt(0).putInt(0);
    attr(out, a);
  }

  static void initOut(ByteBuffer out, int maxReadaheadBytes, int flags) {
    out.putInt(Fuse.KERNEL_MAJOR).putInt(Fuse.KERNEL_MINOR).putInt(maxReadaheadBytes).putInt(flags);
    out.putShort((short) Fuse.MAX_BACKGROUND).putShort((short) (Fuse.MAX_BACKGROUND * 3 / 4));
    out.putInt(Fuse.MAX_WRITE_BYTES).putInt(1);
    out.putShort((short) Fuse.MAX_PAGES_PER_REQUEST).putShort((short) 0).putInt(0);
    for (int i = 0; i < 7; i++) {
      out.putInt(0);
    }
  }

  static void openOut(ByteBuffer out, long fh, int openFlags) {
    out.putLong(fh).putInt(openFlags).putInt(0);
  }

  static void writeOut(ByteBuffer out, int sizeBytes) {
    out.putInt(sizeBytes).putInt(0);
  }

  static void statfsOut(
      ByteBuffer out, long blocks, long freeBlocks, long files, int blockSizeBytes) {
    out.putLong(blocks).putLong(freeBlocks).putLong(freeBlocks).putLong(files).putLong(0);
    out.putInt(blockSizeBytes).putInt(Fuse.MAX_NAME_BYTES).putInt(blockSizeBytes).putInt(0);
    for (int i = 0; i < 6; i++) {
      out.putInt(0);
    }
  }

  /** Bytes a directory entry takes: the fixed part, the name, padding to 8. */
  static int direntBytes(String name, boolean plus) {
    int n = Fuse.DIRENT_BYTES + name.getBytes(StandardCharsets.UTF_8).length;
    return (plus ? Fuse.ENTRY_OUT_BYTES : 0) + ((n + 7) & ~7);
  }

  /**
   * One directory entry; {@code next} is the offset the kernel passes back to continue after it.
   * With {@code plus} the entry carries its lookup reply; {@code entry} null (for "." and "..")
   * sends node id 0, which the kernel takes as "no attributes offered".
   */
  static void dirent(
      ByteBuffer out, long ino, long next, String name, int type, boolean plus, Attr entry) {
    int start = out.position();
    if (plus) {
      if (entry == null) {
        for (int i = 0; i < Fuse.ENTRY_OUT_BYTES; i += 8) {
          out.putLong(0);
        }
      } else {
        entryOut(out, entry.ino(), entry);
      }
    }
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    out.putLong(ino).putLong(next).putInt(bytes.length).putInt(type).put(bytes);
    int end = start + direntBytes(name, plus);
    while (out.position() < end) {
      out.put((byte) 0);
    }
  }
}

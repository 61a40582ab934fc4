package org.thinpool.fuse;

/**
 * The constants of the FUSE kernel protocol (linux/uapi/linux/fuse.h, protocol 7.x) that this
 * server uses, and its own limits. Every message starts with a header:
 *
 * <pre>
 * request (fuse_in_header, 40 bytes)      reply (fuse_out_header, 16 bytes)
 * offset size field                       offset size field
 *   0     4   len (header + arguments)      0     4   len (header + payload)
 *   4     4   opcode                        4     4   error (0 or -errno)
 *   8     8   unique (request id)           8     8   unique (the request's)
 *  16     8   nodeid
 *  24     4   uid
 *  28     4   gid
 *  32     4   pid
 *  36     2   total_extlen (8-byte units)
 *  38     2   padding
 * </pre>
 *
 * All integers are in the host's byte order.
 */
final class Fuse {
  private Fuse() {}

  static final int KERNEL_MAJOR = 7;

  /** The protocol minor we speak: 7.38 (FOPEN_PARALLEL_DIRECT_WRITES is 7.36). */
  static final int KERNEL_MINOR = 38;

  static final int IN_HEADER_BYTES = 40;
  static final int OUT_HEADER_BYTES = 16;

  static final long ROOT_ID = 1;

  // Opcodes.
  static final int LOOKUP = 1;
  static final int FORGET = 2;
  static final int GETATTR = 3;
  static final int SETATTR = 4;
  static final int OPEN = 14;
  static final int READ = 15;
  static final int WRITE = 16;
  static final int STATFS = 17;
  static final int RELEASE = 18;
  static final int FSYNC = 20;
  static final int FLUSH = 25;
  static final int INIT = 26;
  static final int OPENDIR = 27;
  static final int READDIR = 28;
  static final int RELEASEDIR = 29;
  static final int FSYNCDIR = 30;
  static final int INTERRUPT = 36;
  static final int DESTROY = 38;
  static final int BATCH_FORGET = 42;
  static final int FALLOCATE = 43;
  static final int READDIRPLUS = 44;

  // INIT flags (fuse_init_in/out.flags).
  static final int ASYNC_READ = 1;
  static final int BIG_WRITES = 1 << 5;
  static final int DO_READDIRPLUS = 1 << 13;
  static final int ASYNC_DIO = 1 << 15;
  static final int PARALLEL_DIROPS = 1 << 18;
  static final int MAX_PAGES = 1 << 22;

  // fuse_open_out.open_flags.
  static final int FOPEN_DIRECT_IO = 1;
  static final int FOPEN_PARALLEL_DIRECT_WRITES = 1 << 6;

  // fuse_setattr_in.valid.
  static final int FATTR_SIZE = 1 << 3;

  // fallocate(2) modes.
  static final int FALLOC_FL_KEEP_SIZE = 0x01;
  static final int FALLOC_FL_PUNCH_HOLE = 0x02;
  static final int FALLOC_FL_ZERO_RANGE = 0x10;

  // errno values replied as -errno.
  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EIO = 5;
  static final int EBADF = 9;
  static final int EACCES = 13;
  static final int EFBIG = 27;
  static final int ENOSPC = 28;
  static final int EROFS = 30;
  static final int EINVAL = 22;
  static final int ENOTDIR = 20;
  static final int EISDIR = 21;
  static final int EPROTO = 71;
  static final int ENOSYS = 38;
  static final int EOPNOTSUPP = 95;

  // Mode bits.
  static final int S_IFDIR = 0040000;
  static final int S_IFREG = 0100000;
  static final int DT_DIR = 4;
  static final int DT_REG = 8;

  static final int PAGE_BYTES = 4096;

  /**
   * The largest request the kernel may send: 256 pages (its own limit, fs.fuse.max_pages_limit's
   * default) of write data. Also the largest read we answer. A reader's buffer holds one write plus
   * its headers; the kernel refuses a read buffer below 8 KiB.
   */
  static final int MAX_PAGES_PER_REQUEST = 256;

  static final int MAX_WRITE_BYTES = MAX_PAGES_PER_REQUEST * PAGE_BYTES;

  /** Room for the headers and arguments in front of the write data. */
  static final int REQUEST_OVERHEAD_BYTES = PAGE_BYTES;

  static final int REQUEST_BUFFER_BYTES = MAX_WRITE_BYTES + REQUEST_OVERHEAD_BYTES;

  /** Requests the kernel may queue in the background (async reads, direct I/O). */
  static final int MAX_BACKGROUND = 64;

  /** A file name we answer: decimal thin ids are at most 8 digits (24 bits). */
  static final int MAX_NAME_BYTES = 255;

  /** Byte sizes of the argument structures, each checked against the request length. */
  static final int INIT_IN_MIN_BYTES = 16;

  static final int GETATTR_IN_BYTES = 16;
  static final int SETATTR_IN_BYTES = 88;
  static final int OPEN_IN_BYTES = 8;
  static final int READ_IN_BYTES = 40;
  static final int WRITE_IN_BYTES = 40;
  static final int RELEASE_IN_BYTES = 24;
  static final int FLUSH_IN_BYTES = 24;
  static final int FSYNC_IN_BYTES = 16;
  static final int FALLOCATE_IN_BYTES = 32;
  static final int FORGET_IN_BYTES = 8;
  static final int BATCH_FORGET_IN_BYTES = 8;
  static final int FORGET_ONE_BYTES = 16;
  static final int INTERRUPT_IN_BYTES = 8;

  static final int ATTR_BYTES = 88;
  static final int ENTRY_OUT_BYTES = 40 + ATTR_BYTES;
  static final int ATTR_OUT_BYTES = 16 + ATTR_BYTES;
  static final int INIT_OUT_BYTES = 64;
  static final int OPEN_OUT_BYTES = 16;
  static final int WRITE_OUT_BYTES = 8;
  static final int STATFS_OUT_BYTES = 80;
  static final int DIRENT_BYTES = 24;
}

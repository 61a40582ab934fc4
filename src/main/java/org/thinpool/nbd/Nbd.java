package org.thinpool.nbd;

/**
 * Wire constants of the NBD protocol (fixed newstyle handshake, compact request headers, simple and
 * structured replies) and the server's limits, each with its reason. Values from the public
 * protocol document; names as there, without the {@code NBD_} prefix.
 */
final class Nbd {
  private Nbd() {}

  // ---- magics ----
  static final long INIT_PASSWD = 0x4e42444d41474943L; // "NBDMAGIC"
  static final long IHAVEOPT = 0x49484156454F5054L;
  static final long OPTION_REPLY_MAGIC = 0x0003e889045565a9L;
  static final int REQUEST_MAGIC = 0x25609513;
  static final int SIMPLE_REPLY_MAGIC = 0x67446698;
  static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

  // ---- handshake flags (server) and client flags ----
  static final int FLAG_FIXED_NEWSTYLE = 0x1;
  static final int FLAG_NO_ZEROES = 0x2;
  static final int CLIENT_FLAG_FIXED_NEWSTYLE = 0x1;
  static final int CLIENT_FLAG_NO_ZEROES = 0x2;
  static final int KNOWN_CLIENT_FLAGS = CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES;

  // ---- options ----
  static final int OPT_EXPORT_NAME = 1;
  static final int OPT_ABORT = 2;
  static final int OPT_LIST = 3;
  static final int OPT_STARTTLS = 5;
  static final int OPT_INFO = 6;
  static final int OPT_GO = 7;
  static final int OPT_STRUCTURED_REPLY = 8;
  static final int OPT_LIST_META_CONTEXT = 9;
  static final int OPT_SET_META_CONTEXT = 10;

  // ---- option reply types ----
  static final int REP_ACK = 1;
  static final int REP_SERVER = 2;
  static final int REP_INFO = 3;
  static final int REP_META_CONTEXT = 4;
  static final int REP_ERR_UNSUP = 0x80000001;
  static final int REP_ERR_POLICY = 0x80000002;
  static final int REP_ERR_INVALID = 0x80000003;
  static final int REP_ERR_UNKNOWN = 0x80000006;
  static final int REP_ERR_SHUTDOWN = 0x80000007;
  static final int REP_ERR_TOO_BIG = 0x80000009;

  // ---- info types ----
  static final int INFO_EXPORT = 0;
  static final int INFO_NAME = 1;
  static final int INFO_DESCRIPTION = 2;
  static final int INFO_BLOCK_SIZE = 3;

  // ---- transmission flags ----
  static final int TFLAG_HAS_FLAGS = 0x0001;
  static final int TFLAG_READ_ONLY = 0x0002;
  static final int TFLAG_SEND_FLUSH = 0x0004;
  static final int TFLAG_SEND_FUA = 0x0008;
  static final int TFLAG_SEND_TRIM = 0x0020;
  static final int TFLAG_SEND_WRITE_ZEROES = 0x0040;
  static final int TFLAG_SEND_DF = 0x0080;
  static final int TFLAG_CAN_MULTI_CONN = 0x0100;
  static final int TFLAG_SEND_CACHE = 0x0400;
  static final int TFLAG_SEND_FAST_ZERO = 0x0800;

  // ---- commands and command flags ----
  static final int CMD_READ = 0;
  static final int CMD_WRITE = 1;
  static final int CMD_DISC = 2;
  static final int CMD_FLUSH = 3;
  static final int CMD_TRIM = 4;
  static final int CMD_CACHE = 5;
  static final int CMD_WRITE_ZEROES = 6;
  static final int CMD_BLOCK_STATUS = 7;
  static final int CMD_FLAG_FUA = 0x01;
  static final int CMD_FLAG_NO_HOLE = 0x02;
  static final int CMD_FLAG_DF = 0x04;
  static final int CMD_FLAG_REQ_ONE = 0x08;
  static final int CMD_FLAG_FAST_ZERO = 0x10;

  // ---- structured reply chunks ----
  static final int REPLY_FLAG_DONE = 0x1;
  static final int REPLY_TYPE_NONE = 0;
  static final int REPLY_TYPE_OFFSET_DATA = 1;
  static final int REPLY_TYPE_OFFSET_HOLE = 2;
  static final int REPLY_TYPE_BLOCK_STATUS = 5;
  static final int REPLY_TYPE_ERROR = 0x8001;

  // ---- base:allocation ----
  static final String BASE_ALLOCATION = "base:allocation";

  /** The id this server gives base:allocation (its only context). */
  static final int BASE_ALLOCATION_ID = 0;

  static final int STATE_HOLE = 0x1;
  static final int STATE_ZERO = 0x2;

  // ---- errors (NBD_E*) ----
  static final int EPERM = 1;
  static final int EIO = 5;
  static final int ENOMEM = 12;
  static final int EINVAL = 22;
  static final int ENOSPC = 28;
  static final int EOVERFLOW = 75;
  static final int ENOTSUP = 95;
  static final int ESHUTDOWN = 108;

  // ---- sizes of fixed parts ----
  static final int GREETING_BYTES = 18;
  static final int OPTION_HEADER_BYTES = 16;
  static final int REQUEST_HEADER_BYTES = 28;
  static final int SIMPLE_REPLY_BYTES = 16;
  static final int CHUNK_HEADER_BYTES = 20;

  /** Padding after an EXPORT_NAME answer unless the client set NO_ZEROES. */
  static final int EXPORT_NAME_ZEROES = 124;

  // ---- limits ----
  /** Smallest block advertised: the sector, what every client here aligns to anyway. */
  static final int MIN_BLOCK_BYTES = 512;

  /**
   * Largest READ/WRITE payload: 32 MiB, the default every client assumes and qemu's own cap; a
   * request holds at most this much heap.
   */
  static final int MAX_PAYLOAD_BYTES = 32 << 20;

  /**
   * A WRITE longer than the maximum is read and dropped (then EINVAL) up to this size, as the
   * protocol asks of servers for payloads a careless client may send; longer is treated as abuse
   * and the connection is closed.
   */
  static final int MAX_DROPPED_WRITE_BYTES = 64 << 20;

  /** Option data read into memory: every real option is far below 4 KiB (names <= 4096). */
  static final int MAX_OPTION_DATA_BYTES = 64 << 10;

  /** Larger option data up to this is skipped and answered ERR_TOO_BIG; beyond it, close. */
  static final int MAX_SKIPPED_OPTION_BYTES = 1 << 20;

  /** Options per connection: clients use at most a handful per export; more is a loop or abuse. */
  static final int MAX_OPTIONS = 256;

  /** Strings (names, queries) are at most 4096 bytes by the protocol. */
  static final int MAX_STRING_BYTES = 4096;

  /** Meta-context queries per option: each is small work, but bound the loop. */
  static final int MAX_META_QUERIES = 128;

  /** Info requests per GO/INFO: there are four info types; duplicates beyond this are abuse. */
  static final int MAX_INFO_REQUESTS = 64;

  /**
   * Extents in one BLOCK_STATUS chunk: 64 Ki extents = 512 KiB of reply, and a bounded walk of the
   * mapping tree under its lock; the client asks again from where the answer stopped.
   */
  static final int MAX_EXTENTS = 1 << 16;
}

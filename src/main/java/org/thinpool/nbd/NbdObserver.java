package org.thinpool.nbd;

/**
 * Told about the server's traffic, for metrics. Called on the connection's or the request's own
 * thread, so implementations must be thread-safe and quick (counters, no I/O).
 */
public interface NbdObserver {
  /** Observes nothing. */
  NbdObserver NONE = new NbdObserver() {};

  /** Why a connection ended other than by the protocol's own ends (DISC, ABORT, shutdown). */
  enum ConnectionError {
    /** A request or option header without its magic: the stream is lost, the connection closed. */
    BAD_MAGIC,
    /** Another violated MUST (unknown client flags, a payload too large to drop, abuse). */
    PROTOCOL,
    /** The client closed or reset the connection without DISC or ABORT. */
    DROPPED,
    /** The client did not finish the handshake in time. */
    HANDSHAKE_TIMEOUT,
    /** Closed at accept: the server was at its connection limit or shutting down. */
    REFUSED;

    /** The label value: the name in lower case. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A connection was accepted. */
  default void connectionOpened() {}

  /** A connection closed, for whatever reason. */
  default void connectionClosed() {}

  /** A connection ended badly ({@link #connectionClosed} is still called for it). */
  default void connectionError(ConnectionError kind) {}

  /**
   * One request served.
   *
   * @param command the command's name in lower case: read, write, flush, trim, cache, write_zeroes,
   *     block_status, or invalid for a request refused before reaching the device
   * @param bytes the bytes moved or affected: READ and WRITE payloads, the ranges of TRIM,
   *     WRITE_ZEROES and CACHE; 0 for the others
   * @param nanos time from the request's dispatch to its reply being ready
   * @param error the NBD errno of the reply, 0 on success (see {@link #errorName})
   */
  default void request(String command, long bytes, long nanos, int error) {}

  /** The protocol's name of an NBD errno ({@code EINVAL}, {@code ENOSPC}, …; else E + number). */
  static String errorName(int error) {
    return switch (error) {
      case Nbd.EPERM -> "EPERM";
      case Nbd.EIO -> "EIO";
      case Nbd.ENOMEM -> "ENOMEM";
      case Nbd.EINVAL -> "EINVAL";
      case Nbd.ENOSPC -> "ENOSPC";
      case Nbd.EOVERFLOW -> "EOVERFLOW";
      case Nbd.ENOTSUP -> "ENOTSUP";
      case Nbd.ESHUTDOWN -> "ESHUTDOWN";
      default -> "E" + error;
    };
  }
}

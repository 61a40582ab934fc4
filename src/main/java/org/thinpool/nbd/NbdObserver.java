package org.thinpool.nbd;

/**
 * Told about the server's traffic, for metrics. Called on the request's own thread after its reply
 * is built, so implementations must be thread-safe and quick (counters, no I/O).
 */
public interface NbdObserver {
  /** Observes nothing. */
  NbdObserver NONE = new NbdObserver() {};

  /** A connection was accepted. */
  default void connectionOpened() {}

  /** A connection closed, for whatever reason. */
  default void connectionClosed() {}

  /**
   * One request served.
   *
   * @param command the command's name in lower case: read, write, flush, trim, cache, write_zeroes,
   *     block_status, or invalid for a request refused before reaching the device
   * @param bytes the data moved (READ and WRITE payloads; 0 for the others)
   * @param nanos time from the request's dispatch to its reply being ready
   * @param error the NBD errno of the reply, 0 on success
   */
  default void request(String command, long bytes, long nanos, int error) {}
}

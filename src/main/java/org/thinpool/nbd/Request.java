package org.thinpool.nbd;

/**
 * A transmission request, decoded and validated against its export by {@link RequestCodec}. A
 * closed set: the connection's dispatcher switches over it exhaustively. Offsets and lengths are in
 * bytes and already checked against the export's size.
 */
sealed interface Request {
  /** The client's opaque cookie, echoed in the reply. */
  long cookie();

  record Read(long cookie, long offsetBytes, int lengthBytes, boolean dontFragment)
      implements Request {}

  /** The payload of {@code lengthBytes} follows the header on the wire. */
  record Write(long cookie, long offsetBytes, int lengthBytes, boolean fua) implements Request {}

  record Disc(long cookie) implements Request {}

  record Flush(long cookie) implements Request {}

  record Trim(long cookie, long offsetBytes, long lengthBytes, boolean fua) implements Request {}

  record Cache(long cookie, long offsetBytes, long lengthBytes) implements Request {}

  record WriteZeroes(
      long cookie,
      long offsetBytes,
      long lengthBytes,
      boolean fua,
      boolean noHole,
      boolean fastZero)
      implements Request {}

  record BlockStatus(long cookie, long offsetBytes, long lengthBytes, boolean reqOne)
      implements Request {}

  /**
   * A request answered with an error without touching the export; {@code payloadBytes} of a
   * rejected WRITE's data must still be read and dropped to keep the stream in step.
   */
  record Invalid(long cookie, int error, String message, long payloadBytes) implements Request {}
}

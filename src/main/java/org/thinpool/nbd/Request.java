package org.thinpool.nbd;

/**
 * A transmission request, decoded and validated against its export by {@link RequestCodec}. A
 * closed set: the connection's dispatcher switches over it exhaustively. Offsets and lengths are in
 * bytes and already checked against the export's size.
 */
sealed interface Request {
  /** The client's opaque cookie, echoed in the reply. */
  long cookie();

  /** The command's name for metrics and logs, in lower case ("invalid" for a refused one). */
  default String commandName() {
    return switch (this) {
      case Read x -> "read";
      case Write x -> "write";
      case Flush x -> "flush";
      case Trim x -> "trim";
      case Cache x -> "cache";
      case WriteZeroes x -> "write_zeroes";
      case BlockStatus x -> "block_status";
      case Invalid x -> "invalid";
      case Disc x -> "disc";
    };
  }

  /**
   * The bytes the request moves or affects: READ and WRITE payloads, the ranges of TRIM,
   * WRITE_ZEROES and CACHE; 0 for the rest (BLOCK_STATUS only looks).
   */
  default long affectedBytes() {
    return switch (this) {
      case Read x -> x.lengthBytes();
      case Write x -> x.lengthBytes();
      case Trim x -> x.lengthBytes();
      case Cache x -> x.lengthBytes();
      case WriteZeroes x -> x.lengthBytes();
      case Flush x -> 0;
      case BlockStatus x -> 0;
      case Invalid x -> 0;
      case Disc x -> 0;
    };
  }

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

package org.thinpool.nbd;

import java.io.IOException;

/**
 * The peer broke a rule of the protocol that leaves no way to answer (bad magic, unknown client
 * flags, a payload too large to skip): the connection is closed, and only that connection.
 */
public final class ProtocolException extends IOException {
  private static final long serialVersionUID = 1L;

  private final boolean badMagic;

  ProtocolException(String message) {
    this(message, false);
  }

  private ProtocolException(String message, boolean badMagic) {
    super(message);
    this.badMagic = badMagic;
  }

  /** A header without its magic: the stream is out of step (counted apart in the metrics). */
  static ProtocolException badMagic(String message) {
    return new ProtocolException(message, true);
  }

  NbdObserver.ConnectionError kind() {
    return badMagic ? NbdObserver.ConnectionError.BAD_MAGIC : NbdObserver.ConnectionError.PROTOCOL;
  }
}

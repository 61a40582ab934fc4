package org.thinpool.nbd;

import java.io.IOException;

/**
 * The peer broke a rule of the protocol that leaves no way to answer (bad magic, unknown client
 * flags, a payload too large to skip): the connection is closed, and only that connection.
 */
public final class ProtocolException extends IOException {
  private static final long serialVersionUID = 1L;

  ProtocolException(String message) {
    super(message);
  }
}

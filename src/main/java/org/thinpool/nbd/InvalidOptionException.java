package org.thinpool.nbd;

/** Option data that does not parse: answered {@code NBD_REP_ERR_INVALID}, haggling goes on. */
final class InvalidOptionException extends Exception {
  private static final long serialVersionUID = 1L;

  InvalidOptionException(String message) {
    super(message);
  }
}

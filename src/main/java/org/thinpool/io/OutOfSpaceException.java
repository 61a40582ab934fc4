package org.thinpool.io;

/** No free block is left in a space map (data or metadata); nothing committed is lost. */
public final class OutOfSpaceException extends StorageException {
  private static final long serialVersionUID = 1L;

  public OutOfSpaceException(String message) {
    super(message);
  }

  public OutOfSpaceException(String message, Throwable cause) {
    super(message, cause);
  }
}

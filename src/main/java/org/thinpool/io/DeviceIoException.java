package org.thinpool.io;

/** The underlying file or block device failed a read, write, sync or discard. */
public final class DeviceIoException extends StorageException {
  private static final long serialVersionUID = 1L;

  public DeviceIoException(String message, Throwable cause) {
    super(message, cause);
  }

  public DeviceIoException(String message) {
    super(message);
  }
}

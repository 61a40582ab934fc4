package org.thinpool.io;

import java.io.IOException;

/**
 * An operating error of the storage stack: the device, the metadata or the pool cannot do what was
 * asked. Callers translate it once per boundary (exit code in the CLI, errno in NBD).
 */
public abstract sealed class StorageException extends IOException
    permits MetadataCorruptException, OutOfSpaceException, DeviceIoException, StateException {
  private static final long serialVersionUID = 1L;

  protected StorageException(String message) {
    super(message);
  }

  protected StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}

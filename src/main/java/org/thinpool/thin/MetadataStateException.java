package org.thinpool.thin;

import org.thinpool.io.StateException;

/**
 * The metadata refuses a request that is valid in form but not in its current state: a thin id that
 * exists or does not, a metadata snapshot already held or not held, a device that cannot shrink,
 * pool time exhausted, a restored value that does not fit its on-disk field.
 */
public final class MetadataStateException extends StateException {
  private static final long serialVersionUID = 1L;

  public MetadataStateException(String message) {
    super(message);
  }
}

package org.thinpool.pool;

import org.thinpool.io.StateException;

/**
 * The request is valid in form but not in the pool's current state: a device id that exists or does
 * not, a pool that is read-only or in use by another process, a metadata snapshot already held.
 */
public final class PoolStateException extends StateException {
  private static final long serialVersionUID = 1L;

  public PoolStateException(String message) {
    super(message);
  }
}

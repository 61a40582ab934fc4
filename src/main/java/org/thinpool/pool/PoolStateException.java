package org.thinpool.pool;

import java.nio.file.Path;
import org.thinpool.io.StateException;

/**
 * The request is valid in form but not in the pool's current state: a device id that exists or does
 * not, a pool that is read-only or in use by another process, a metadata snapshot already held.
 */
public final class PoolStateException extends StateException {
  private static final long serialVersionUID = 1L;

  /** Set by {@link #readOnly(Path, String)}: the refusal of a pool that turned read-only. */
  private final boolean readOnly;

  public PoolStateException(String message) {
    this(message, false);
  }

  private PoolStateException(String message, boolean readOnly) {
    super(message);
    this.readOnly = readOnly;
  }

  /**
   * A change refused because pool {@code dir} is read-only (failed, or out of metadata space) for
   * {@code reason}: what block clients see as EROFS or EPERM rather than an I/O error.
   */
  static PoolStateException readOnly(Path dir, String reason) {
    return new PoolStateException("pool " + dir + " is read-only: " + reason, true);
  }

  /** True for a refusal because the pool is read-only ({@link #readOnly(Path, String)}). */
  public boolean isReadOnly() {
    return readOnly;
  }
}

package org.thinpool.nbd;

import org.thinpool.io.OutOfSpaceException;
import org.thinpool.pool.PoolStateException;

/** Translates the pool's errors to NBD errno values: the one translation at this boundary. */
final class Errors {
  private Errors() {}

  static int errno(Exception e) {
    return switch (e) {
      case OutOfSpaceException x -> Nbd.ENOSPC;
      case IllegalArgumentException x -> Nbd.EINVAL;
      case PoolStateException x when x.isReadOnly() -> Nbd.EPERM;
      default -> Nbd.EIO;
    };
  }
}

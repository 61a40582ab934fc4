package org.thinpool.snapshotter;

import org.thinpool.io.StateException;

/**
 * A request the snapshotter refuses, by containerd's error classes (errdefs), which the gRPC
 * adapter turns into status codes: NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION,
 * INVALID_ARGUMENT.
 */
public abstract sealed class SnapshotterException extends StateException
    permits SnapshotterException.NotFound,
        SnapshotterException.AlreadyExists,
        SnapshotterException.FailedPrecondition,
        SnapshotterException.InvalidArgument {
  private static final long serialVersionUID = 1L;

  SnapshotterException(String message) {
    super(message);
  }

  /** No snapshot (or parent) of that name. */
  public static final class NotFound extends SnapshotterException {
    private static final long serialVersionUID = 1L;

    NotFound(String message) {
      super(message);
    }
  }

  /** A snapshot of that name exists. */
  public static final class AlreadyExists extends SnapshotterException {
    private static final long serialVersionUID = 1L;

    AlreadyExists(String message) {
      super(message);
    }
  }

  /** The snapshot's state forbids it: commit of a view, remove of a parent, mounts of a layer. */
  public static final class FailedPrecondition extends SnapshotterException {
    private static final long serialVersionUID = 1L;

    FailedPrecondition(String message) {
      super(message);
    }
  }

  /** The request itself is malformed: empty or oversized key, bad field path or filter. */
  public static final class InvalidArgument extends SnapshotterException {
    private static final long serialVersionUID = 1L;

    InvalidArgument(String message) {
      super(message);
    }
  }
}

package org.thinpool.snapshotter;

import org.thinpool.io.StateException;

/**
 * A request the snapshotter refuses, with containerd's error class (errdefs) as its {@link Kind},
 * which the gRPC adapter turns into the status code of the same name. One class with a kind, not a
 * subclass per class: they differ in nothing but the status code.
 */
public final class SnapshotterException extends StateException {
  private static final long serialVersionUID = 1L;

  /** containerd's error classes a snapshotter answers with; each is a gRPC status code. */
  public enum Kind {
    /** No snapshot (or parent) of that name. */
    NOT_FOUND,
    /** A snapshot of that name exists. */
    ALREADY_EXISTS,
    /** The snapshot's state forbids it: commit of a view, remove of a parent, mounts of a layer. */
    FAILED_PRECONDITION,
    /** The request itself is malformed: empty or oversized key, bad field path or filter. */
    INVALID_ARGUMENT
  }

  private final Kind kind;

  SnapshotterException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  static SnapshotterException notFound(String message) {
    return new SnapshotterException(Kind.NOT_FOUND, message);
  }

  static SnapshotterException alreadyExists(String message) {
    return new SnapshotterException(Kind.ALREADY_EXISTS, message);
  }

  static SnapshotterException failedPrecondition(String message) {
    return new SnapshotterException(Kind.FAILED_PRECONDITION, message);
  }

  static SnapshotterException invalidArgument(String message) {
    return new SnapshotterException(Kind.INVALID_ARGUMENT, message);
  }

  public Kind kind() {
    return kind;
  }
}

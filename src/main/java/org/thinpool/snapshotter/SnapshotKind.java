package org.thinpool.snapshotter;

/**
 * containerd's snapshot kinds. An active snapshot is writable and may be committed; a view is
 * read-only and never committed; a committed snapshot is immutable and may be a parent.
 */
public enum SnapshotKind {
  VIEW,
  ACTIVE,
  COMMITTED
}

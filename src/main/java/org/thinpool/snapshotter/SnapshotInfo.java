package org.thinpool.snapshotter;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What containerd sees of a snapshot ({@code snapshots.Info}): its name (the key of an active
 * snapshot or view, the name of a committed one), its parent's name ("" for none), kind, labels and
 * times. Labels are copied and kept sorted.
 */
public record SnapshotInfo(
    String name,
    String parent,
    SnapshotKind kind,
    Map<String, String> labels,
    Instant createdAt,
    Instant updatedAt) {
  public SnapshotInfo {
    Objects.requireNonNull(name);
    Objects.requireNonNull(parent);
    Objects.requireNonNull(kind);
    Objects.requireNonNull(createdAt);
    Objects.requireNonNull(updatedAt);
    labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
  }

  SnapshotInfo withLabels(Map<String, String> newLabels, Instant now) {
    return new SnapshotInfo(name, parent, kind, newLabels, createdAt, now);
  }
}

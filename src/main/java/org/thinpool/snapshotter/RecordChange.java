package org.thinpool.snapshotter;

import java.util.List;

/**
 * One durable step of the records, applied whole or not at all: the names removed, then the records
 * put (a commit is one change: the active key out, the committed name in).
 */
record RecordChange(List<String> removed, List<SnapshotRecord> put) {
  RecordChange {
    removed = List.copyOf(removed);
    put = List.copyOf(put);
  }

  static RecordChange put(SnapshotRecord r) {
    return new RecordChange(List.of(), List.of(r));
  }

  static RecordChange remove(String name) {
    return new RecordChange(List.of(name), List.of());
  }
}

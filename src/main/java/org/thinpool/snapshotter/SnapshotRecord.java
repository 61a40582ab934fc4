package org.thinpool.snapshotter;

/** A snapshot as recorded: what containerd sees, and the thin device that holds it. */
record SnapshotRecord(SnapshotInfo info, long deviceId) {
  SnapshotRecord {
    if (deviceId < 0 || deviceId >= RecordCodec.MAX_DEVICE_ID) {
      throw new AssertionError("device id out of range: " + deviceId);
    }
  }

  String name() {
    return info.name();
  }
}

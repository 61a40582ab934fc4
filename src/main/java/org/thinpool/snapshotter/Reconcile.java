package org.thinpool.snapshotter;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.thinpool.pool.ThinPool;

/**
 * Brings the records and the pool's devices back into agreement after a crash: the pool is the
 * truth for devices, the records for names (the ordering rules are on {@link Snapshotter}).
 */
final class Reconcile {
  private static final System.Logger LOG = System.getLogger(Reconcile.class.getName());

  private Reconcile() {}

  static void run(
      ThinPool pool, DeviceFiles files, RecordLog log, TreeMap<String, SnapshotRecord> records)
      throws IOException {
    Set<Long> devices = new HashSet<>(pool.deviceIds());
    List<String> lost = new ArrayList<>();
    for (SnapshotRecord r : records.values()) {
      if (!devices.contains(r.deviceId())) {
        lost.add(r.name());
      }
    }
    if (!lost.isEmpty()) {
      // A Prepare killed between its record and its device (they are written at once), else a
      // pool restored or edited by hand.
      LOG.log(Level.WARNING, "dropping records whose thin device is gone: {0}", lost);
      RecordChange c = new RecordChange(lost, List.of());
      log.append(c);
      RecordLog.apply(records, c);
    }
    long base = log.base().map(BaseDevice::deviceId).orElse(-1L);
    deleteOrphans(pool, files, base, records, Set.of());
  }

  /** Deletes every device that is neither the base, nor a snapshot's, nor being removed. */
  static void deleteOrphans(
      ThinPool pool,
      DeviceFiles files,
      long baseId,
      TreeMap<String, SnapshotRecord> records,
      Set<Long> removing)
      throws IOException {
    Set<Long> keep = new HashSet<>(removing);
    keep.add(baseId);
    for (SnapshotRecord r : records.values()) {
      keep.add(r.deviceId());
    }
    for (long id : pool.deviceIds()) {
      if (!keep.contains(id)) {
        LOG.log(Level.INFO, "deleting thin device {0}: no snapshot record names it", id);
        files.release(id);
        pool.delete(id);
      }
    }
  }

  /** One past the highest id in use by a device or a record. */
  static long nextFreeId(ThinPool pool, TreeMap<String, SnapshotRecord> records)
      throws IOException {
    long max = -1;
    for (long id : pool.deviceIds()) {
      max = Math.max(max, id);
    }
    for (SnapshotRecord r : records.values()) {
      max = Math.max(max, r.deviceId());
    }
    return max + 1;
  }
}

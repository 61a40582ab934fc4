package org.thinpool.snapshotter;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.thinpool.pool.ThinPool;

/**
 * Deferred removal (Docker's {@code dm.use_deferred_removal} and {@code use_deferred_deletion}):
 * Remove of a snapshot whose device file is still open (mounted, a loop device attached) drops the
 * record at once, so containerd sees the snapshot gone and never gets "device is busy", and leaves
 * the device here until no one holds it; {@link #retry} deletes the ones released since. A crash
 * loses nothing: a device without a record is an orphan that the next start deletes.
 *
 * <p>Thread-safe; {@link #retry} runs the deletions outside this object's lock, one retry at a time
 * (the timer and Cleanup may both call it: each device is deleted once).
 */
final class DeferredRemovals {
  private static final System.Logger LOG = System.getLogger(DeferredRemovals.class.getName());

  private final ThinPool pool;
  private final DeviceFiles files;
  private final TreeSet<Long> pending = new TreeSet<>();
  private final Object retrying = new Object();

  DeferredRemovals(ThinPool pool, DeviceFiles files) {
    this.pool = pool;
    this.files = files;
  }

  /** Device {@code deviceId} lost its record while in use: delete it once released. */
  synchronized void add(long deviceId) {
    pending.add(deviceId);
    LOG.log(Level.INFO, "thin device {0} is in use: its deletion is deferred", deviceId);
  }

  synchronized boolean contains(long deviceId) {
    return pending.contains(deviceId);
  }

  synchronized List<Long> pending() {
    return List.copyOf(pending);
  }

  synchronized int count() {
    return pending.size();
  }

  /** Deletes every pending device no one holds any more; returns how many are still pending. */
  int retry() throws IOException {
    synchronized (retrying) {
      List<Long> free = new ArrayList<>();
      for (long id : pending()) {
        if (!files.inUse(id)) {
          free.add(id);
        }
      }
      for (long id : free) {
        files.release(id);
        pool.delete(id);
        synchronized (this) {
          pending.remove(id);
        }
        LOG.log(Level.INFO, "deferred deletion of thin device {0} done", id);
      }
      return count();
    }
  }
}

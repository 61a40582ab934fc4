package org.thinpool.snapshotter;

import org.thinpool.pool.PoolStatus;

/**
 * Docker's {@code dm.min_free_space} for new snapshots: Prepare and View are refused while less
 * than the minimum percent of the pool's data space, or of its metadata space, is free, so a pool
 * never fills up silently under containers that keep being created; writes into existing snapshots
 * go on (they are what the space is kept for). 0 turns the check off.
 */
final class SpaceGuard {
  private final int minFreePercent;

  SpaceGuard(int minFreePercent) {
    if (minFreePercent < 0 || minFreePercent > 99) {
      throw new IllegalArgumentException(
          "minimum free space must be 0..99 percent, not " + minFreePercent);
    }
    this.minFreePercent = minFreePercent;
  }

  int minFreePercent() {
    return minFreePercent;
  }

  /** Refuses creating snapshot {@code key} if {@code s} is below the minimum. */
  void check(PoolStatus s, String key) throws SnapshotterException {
    check("data", s.dataBlocksTotal() - s.dataBlocksUsed(), s.dataBlocksTotal(), key);
    check(
        "metadata", s.metadataBlocksTotal() - s.metadataBlocksUsed(), s.metadataBlocksTotal(), key);
  }

  private void check(String space, long freeBlocks, long totalBlocks, String key)
      throws SnapshotterException {
    if (freeBlocks * 100 >= totalBlocks * minFreePercent) {
      return;
    }
    throw SnapshotterException.failedPrecondition(
        "refusing to create snapshot "
            + key
            + ": the thin pool has "
            + freeBlocks
            + " free "
            + space
            + " blocks of "
            + totalBlocks
            + " ("
            + freeBlocks * 100 / Math.max(1, totalBlocks)
            + "%), less than the minimum free space of "
            + minFreePercent
            + "%; remove snapshots, grow the pool (thinpool grow) or lower --min-free-space");
  }
}

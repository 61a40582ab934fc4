package org.thinpool.pool;

import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.meta.tx.SpaceMap;

/**
 * What the pool does when space runs short, after dm-thin and Docker:
 *
 * <ul>
 *   <li><b>No free data block</b>: with {@code error_if_no_space} the write fails at once with
 *       ENOSPC ({@link OutOfSpaceException}). Otherwise writes queue: each waits, holding no lock,
 *       until space is added (the data device grows, or a commit frees blocks) and then retries.
 *       The pool's timer starts when the first write waits; once {@code no_space_timeout} has
 *       passed, waiting and new writes fail with ENOSPC until space is added, as dm-thin switches
 *       to error mode.
 *   <li><b>Low water mark</b>: the first allocation that leaves free data blocks at or below the
 *       mark arms a one-shot event, delivered to the {@link LowWaterMarkListener} outside every
 *       pool lock; growing the data device re-arms it.
 *   <li><b>Minimum free space</b> (Docker's {@code dm.min_free_space}): new devices and snapshots
 *       are refused while less than that percent of data or metadata space is free.
 *   <li><b>Metadata reserve</b>: dm-thin keeps {@link #metadataReserveBlocks} metadata blocks back
 *       so a commit can always finish; a pool down to its reserve goes read-only.
 * </ul>
 */
final class SpacePolicy {
  /** dm-thin's cap on the metadata reserve (4096 blocks, 16 MiB), else a tenth of the device. */
  static final long MAX_METADATA_RESERVE_BLOCKS = 4096;

  private final boolean errorIfNoSpace;
  private final long noSpaceTimeoutNanos;
  private final long lowWaterMarkBlocks;
  private final int minFreeSpacePercent;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition spaceAdded = lock.newCondition();

  /** Bumped whenever space may have been added; guarded by {@link #lock}. */
  private long generation;

  /** When the first write began to wait, or -1; guarded by {@link #lock}. */
  private long waitingSinceNanos = -1;

  private final AtomicBoolean lowWaterTriggered = new AtomicBoolean();

  /** Free blocks when the event fired and is not yet delivered, else -1. */
  private final AtomicLong lowWaterPending = new AtomicLong(-1);

  private volatile LowWaterMarkListener listener;
  private final PoolClock clock;

  SpacePolicy(PoolSettings s) {
    this(s, PoolClock.SYSTEM);
  }

  SpacePolicy(PoolSettings s, PoolClock clock) {
    this.clock = clock;
    clock.onJump(this::clockJumped);
    this.errorIfNoSpace = s.errorIfNoSpace();
    this.noSpaceTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(s.noSpaceTimeoutMillis());
    this.lowWaterMarkBlocks = s.lowWaterMarkBlocks();
    this.minFreeSpacePercent = s.minFreeSpacePercent();
  }

  /** dm-thin's reserve: min(4096, a tenth of the metadata blocks). */
  static long metadataReserveBlocks(long nrMetadataBlocks) {
    return Math.min(MAX_METADATA_RESERVE_BLOCKS, nrMetadataBlocks / 10);
  }

  // ---- out of data space ----

  /** Read before trying a write; {@link #awaitSpace} waits only if it has not moved since. */
  long generation() {
    lock.lock();
    try {
      return generation;
    } finally {
      lock.unlock();
    }
  }

  /**
   * A write found no free data block: fails with {@code cause} (error_if_no_space, or the timeout
   * has passed), else waits until space may have been added since {@code seen}.
   */
  void awaitSpace(long seen, OutOfSpaceException cause)
      throws OutOfSpaceException, InterruptedIOException {
    if (errorIfNoSpace) {
      throw cause;
    }
    lock.lock();
    try {
      if (waitingSinceNanos < 0) {
        waitingSinceNanos = clock.nanoTime();
      }
      long deadline = waitingSinceNanos + noSpaceTimeoutNanos;
      while (generation == seen) {
        long left = deadline - clock.nanoTime();
        if (left <= 0) {
          throw new OutOfSpaceException(
              cause.getMessage()
                  + "; writes waited "
                  + TimeUnit.NANOSECONDS.toMillis(noSpaceTimeoutNanos)
                  + " ms (no_space_timeout) and no space was added");
        }
        spaceAdded.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException x = new InterruptedIOException("interrupted waiting for space");
      x.initCause(cause);
      throw x;
    } finally {
      lock.unlock();
    }
  }

  /** Space may have been added: waiting writes retry, and the no-space timer stops. */
  void spaceAdded() {
    lock.lock();
    try {
      generation++;
      waitingSinceNanos = -1;
      spaceAdded.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The clock jumped: waiting writes look at it again (and fail if their time is up). */
  private void clockJumped() {
    lock.lock();
    try {
      spaceAdded.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ---- low water mark ----

  void setListener(LowWaterMarkListener l) {
    listener = l;
  }

  /** After an allocation: arms the one-shot event if free blocks are at the mark or below. */
  void allocated(long nrFreeDataBlocks) {
    if (nrFreeDataBlocks <= lowWaterMarkBlocks && lowWaterTriggered.compareAndSet(false, true)) {
      lowWaterPending.set(nrFreeDataBlocks);
    }
  }

  /** The data device grew: the event may fire again. */
  void rearmLowWater() {
    lowWaterTriggered.set(false);
  }

  /** Delivers a pending event; call holding no pool lock. */
  void deliverLowWater() {
    if (lowWaterPending.get() < 0) {
      return;
    }
    long free = lowWaterPending.getAndSet(-1);
    LowWaterMarkListener l = listener;
    if (free < 0 || l == null) {
      return;
    }
    try {
      l.lowWaterMark(free);
    } catch (RuntimeException e) {
      Thread t = Thread.currentThread();
      t.getUncaughtExceptionHandler().uncaughtException(t, e);
    }
  }

  // ---- minimum free space ----

  /** Refuses {@code what} (a new device or snapshot) below the minimum free space. */
  void checkMinFree(Path dir, String what, SpaceMap data, SpaceMap metadata)
      throws PoolStateException {
    if (minFreeSpacePercent == 0) {
      return;
    }
    checkMinFree(dir, what, "data", data.nrFree(), data.nrBlocks());
    long usable = metadata.nrFree() - metadataReserveBlocks(metadata.nrBlocks());
    checkMinFree(dir, what, "metadata", Math.max(0, usable), metadata.nrBlocks());
  }

  private void checkMinFree(Path dir, String what, String space, long free, long total)
      throws PoolStateException {
    if (free * 100 < total * minFreeSpacePercent) {
      throw new PoolStateException(
          "refusing to "
              + what
              + ": pool "
              + dir
              + " has "
              + (free * 100 / Math.max(1, total))
              + "% free "
              + space
              + " space ("
              + free
              + " of "
              + total
              + " blocks), below the minimum free space of "
              + minFreeSpacePercent
              + "%");
    }
  }
}

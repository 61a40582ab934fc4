package org.thinpool.pool;

import java.util.concurrent.locks.StampedLock;

/**
 * Per-virtual-block locks (dm-bio-prison's role), striped: a read or write of (thin id, virtual
 * block) holds its stripe, so two writers racing on one shared block copy it once, and a discard
 * cannot free a block that a read is still reading. Management operations (snapshot, delete,
 * resize) quiesce all I/O by taking every stripe.
 *
 * <p>Lock order, everywhere: stripes in ascending index, then the commit gate, then the metadata
 * lock. A thread waits for a stripe only while it holds no stripe or only lower ones (a range or
 * all of them, taken in ascending index), and no thread waits for a stripe while it holds the gate
 * or the metadata lock. A run of blocks read or written in one data call ({@link BlockIo#readRun})
 * takes its first stripe waiting, and the next ones with {@code tryReadLock}/{@code tryWriteLock}
 * under the metadata lock: tried, never waited for, and after them the run waits for no stripe, so
 * those may wrap past the last stripe to the first (a 1 MiB request of a run of 16 blocks is one
 * data call wherever it starts) and no cycle of waits can form.
 *
 * <p>Stripes are {@link StampedLock}s: not reentrant (no path takes a stripe it holds), and a read
 * lock is one compare-and-set each way, where a reentrant lock also keeps per-thread hold counts;
 * every block read takes one.
 */
final class BlockLocks {
  /**
   * Stripes: enough that unrelated blocks rarely share one, few enough that taking all of them for
   * a snapshot stays in the microseconds.
   */
  static final int STRIPES = 256;

  private final StampedLock[] stripes = new StampedLock[STRIPES];

  BlockLocks() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new StampedLock();
    }
  }

  /** Consecutive blocks of one device fall in consecutive stripes. */
  private static int stripe(long thinId, long vblock) {
    return (int) Math.floorMod(thinId * 0x9E3779B1L + vblock, (long) STRIPES);
  }

  StampedLock forBlock(long thinId, long vblock) {
    return stripes[stripe(thinId, vblock)];
  }

  /** Write-locks the stripes of [begin, end) of one device, in ascending index. */
  Held lockRange(long thinId, long begin, long end) {
    boolean[] want = new boolean[STRIPES];
    if (end - begin >= STRIPES) {
      java.util.Arrays.fill(want, true);
    } else {
      for (long b = begin; b < end; b++) {
        want[stripe(thinId, b)] = true;
      }
    }
    return lock(want);
  }

  /** Write-locks every stripe: no block I/O runs until released. */
  Held lockAll() {
    boolean[] want = new boolean[STRIPES];
    java.util.Arrays.fill(want, true);
    return lock(want);
  }

  private Held lock(boolean[] want) {
    long[] stamps = new long[STRIPES];
    for (int i = 0; i < STRIPES; i++) {
      if (want[i]) {
        stamps[i] = stripes[i].writeLock();
      }
    }
    return new Held(want, stamps);
  }

  /** A set of write-locked stripes, released by close. */
  final class Held implements AutoCloseable {
    private final boolean[] held;
    private final long[] stamps;

    private Held(boolean[] held, long[] stamps) {
      this.held = held;
      this.stamps = stamps;
    }

    @Override
    public void close() {
      for (int i = STRIPES - 1; i >= 0; i--) {
        if (held[i]) {
          stripes[i].unlockWrite(stamps[i]);
        }
      }
    }
  }
}

package org.thinpool.pool;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link PoolClock} that moves only when a test says so, and counts how often it was read: a test
 * waits for a reader (a write that began to wait reads the clock) instead of sleeping.
 */
final class ManualClock implements PoolClock {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final AtomicLong reads = new AtomicLong();
  private final List<Runnable> wakers = new CopyOnWriteArrayList<>();

  @Override
  public long nanoTime() {
    reads.incrementAndGet();
    return nanos.get();
  }

  @Override
  public void onJump(Runnable wake) {
    wakers.add(wake);
  }

  /** Moves time forward and wakes whoever waits on this clock. */
  void advanceMillis(long millis) {
    nanos.addAndGet(millis * 1_000_000L);
    wakers.forEach(Runnable::run);
  }

  long reads() {
    return reads.get();
  }

  /** Blocks until the clock has been read more than {@code count} times. */
  void awaitReadsBeyond(long count) throws InterruptedException {
    while (reads.get() <= count) {
      Thread.onSpinWait();
      Thread.sleep(1);
    }
  }
}

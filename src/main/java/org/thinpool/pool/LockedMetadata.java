package org.thinpool.pool;

import java.util.concurrent.locks.ReentrantLock;
import org.thinpool.thin.ThinMetadata;

/**
 * The pool's metadata while the current thread holds the metadata lock (see {@link PoolCore} for
 * the lock order). {@link ThinMetadata} is not thread-safe; this is the only way pool code reaches
 * it, so holding the lock is a value the code passes around, not a convention:
 *
 * <pre>{@code
 * try (LockedMetadata m = core.lockMetadata()) {
 *   long b = m.metadata().findDataBlock(id, vblock);
 * }
 * }</pre>
 *
 * <p>One instance per pool is handed out for every hold (the lock is reentrant and closing releases
 * one hold), so taking the lock allocates nothing on the I/O path. Reaching the metadata through it
 * without holding the lock, e.g. after closing, is an {@link AssertionError}.
 */
final class LockedMetadata implements AutoCloseable {
  private final ReentrantLock lock = new ReentrantLock();
  private final ThinMetadata md;

  LockedMetadata(ThinMetadata md) {
    this.md = md;
  }

  /** Takes the lock (waiting for it) and returns this, to be closed by the same thread. */
  LockedMetadata lock() {
    lock.lock();
    return this;
  }

  /** Takes the lock if it is free now and returns this; null, holding nothing, if it is not. */
  LockedMetadata tryLock() {
    return lock.tryLock() ? this : null;
  }

  /** The metadata; the caller must hold the lock. */
  ThinMetadata metadata() {
    checkHeld();
    return md;
  }

  /** Fails unless the current thread holds the lock. */
  void checkHeld() {
    if (!lock.isHeldByCurrentThread()) {
      throw new AssertionError("metadata used without the metadata lock");
    }
  }

  /** Releases one hold of the lock. */
  @Override
  public void close() {
    lock.unlock();
  }
}

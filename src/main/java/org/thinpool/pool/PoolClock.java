package org.thinpool.pool;

/**
 * The time the pool's space policy measures {@code no_space_timeout} on. Injected (see {@link
 * PoolHooks}) so that tests of timeouts move time themselves instead of sleeping through it.
 */
interface PoolClock {
  /** The system's monotonic clock. */
  PoolClock SYSTEM = System::nanoTime;

  /** A monotonic time in nanoseconds, as {@link System#nanoTime}. */
  long nanoTime();

  /**
   * Registers {@code wake}, run whenever this clock jumps forward, so a wait measured on it ends on
   * time. Real time never jumps: the default registers nothing.
   */
  default void onJump(Runnable wake) {}
}

package org.thinpool.pool;

/**
 * Told when free data blocks drop to the pool's low water mark or below: dm-thin's table event, the
 * signal for a monitor (like dmeventd for LVM) to grow the data device before writes stall.
 *
 * <p>Fires once; {@link ThinPool#growData} re-arms it. Called on the thread whose write crossed the
 * mark, after that write holds no pool lock, so it may call {@link ThinPool#growData}. An exception
 * it throws goes to that thread's uncaught-exception handler, never to the write.
 */
@FunctionalInterface
public interface LowWaterMarkListener {
  void lowWaterMark(long freeDataBlocks);
}

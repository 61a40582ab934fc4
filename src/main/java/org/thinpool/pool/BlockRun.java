package org.thinpool.pool;

/** Consecutive virtual blocks [beginBlock, endBlock) of a thin device, all provisioned. */
public record BlockRun(long beginBlock, long endBlock) {
  public BlockRun {
    if (beginBlock < 0 || endBlock <= beginBlock) {
      throw new AssertionError("block run [" + beginBlock + ", " + endBlock + ")");
    }
  }
}

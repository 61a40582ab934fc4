package org.thinpool.pool;

/**
 * What a shrinking {@link ThinPool#resize} would drop from a device.
 *
 * @param unmappedBlocks mapped blocks wholly past the new end: unmapped, and freed where no other
 *     device shares them
 * @param tailZeroed true if a mapped block straddles the new end, so its tail is zeroed
 */
public record ShrinkLoss(long unmappedBlocks, boolean tailZeroed) {
  public ShrinkLoss {
    if (unmappedBlocks < 0) {
      throw new AssertionError("unmappedBlocks " + unmappedBlocks);
    }
  }

  /** True when the resize loses no written byte. */
  public boolean losesNothing() {
    return unmappedBlocks == 0 && !tailZeroed;
  }
}

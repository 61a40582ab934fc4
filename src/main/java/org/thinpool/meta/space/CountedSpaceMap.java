package org.thinpool.meta.space;

import java.io.IOException;
import org.thinpool.meta.tx.SpaceMap;

/** What both space maps share: the in-memory {@link Counts} and the contract's arithmetic. */
abstract sealed class CountedSpaceMap implements SpaceMap
    permits MetadataSpaceMap, DataSpaceMap {
  final Counts counts;

  CountedSpaceMap(String name) {
    this.counts = new Counts(name);
  }

  @Override
  public final long nrBlocks() {
    return counts.nrBlocks();
  }

  @Override
  public final long nrFree() {
    return counts.nrBlocks() - counts.nrAllocated();
  }

  @Override
  public final long nrAllocated() {
    return counts.nrAllocated();
  }

  /** True if any count (or the size) changed since the last commit or load. */
  public final boolean hasChanges() {
    return counts.changed();
  }

  @Override
  public final long refCount(long block) {
    return counts.get(block);
  }

  @Override
  public final void dec(long block) {
    long c = counts.get(block);
    if (c == 0) {
      throw new AssertionError("dec of free block " + block);
    }
    counts.set(block, c - 1);
  }

  @Override
  public final long newBlock() throws IOException {
    return counts.allocate();
  }
}

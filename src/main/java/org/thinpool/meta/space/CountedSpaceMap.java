package org.thinpool.meta.space;

import java.io.IOException;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.tx.SpaceMap;
import org.thinpool.meta.tx.TransactionManager;

/**
 * What both space maps share: the in-memory {@link Counts}, the overflow tree, loading bitmaps and
 * the contract's arithmetic. They differ in how they find their bitmaps (an index b-tree or one
 * index block) and in how they write themselves back.
 */
abstract sealed class CountedSpaceMap implements SpaceMap permits MetadataSpaceMap, DataSpaceMap {
  final Counts counts;
  final TransactionManager tm;
  OverflowTree overflow;

  CountedSpaceMap(String name, TransactionManager tm) {
    this.counts = new Counts(name);
    this.tm = tm;
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

  /**
   * Up to {@code max} consecutive new blocks, each counted to 1, at least one (see {@link
   * Counts#allocateRun}): a sequential write's blocks stay consecutive on the data device.
   */
  public final Extent newBlocks(int max) throws IOException {
    return counts.allocateRun(max);
  }

  @Override
  public void committed() {
    counts.committed();
  }

  /**
   * The root the superblock records for this map (the kernel's {@code dm_sm_copy_root}): what
   * {@link #flush} wrote, so ask after it.
   */
  public final SpaceMapRoot root() {
    return new SpaceMapRoot(counts.nrBlocks(), counts.nrAllocated(), bitmapRoot(), overflow.root());
  }

  /** Where the bitmaps are found: the index b-tree's root or the index block. */
  abstract long bitmapRoot();

  /** Loads bitmap {@code k} of a map of {@code nrBlocks} blocks from block {@code location}. */
  final void loadBitmap(int k, long location, long nrBlocks) throws IOException {
    byte[] image = new byte[MetadataBlock.SIZE_BYTES];
    try (ReadBlock bm = tm.read(location, Bitmaps.BLOCK_TYPE)) {
      bm.copyTo(image);
    }
    long first = (long) k * Bitmaps.ENTRIES_PER_BITMAP;
    counts.loadBitmap(image, Math.min(Bitmaps.ENTRIES_PER_BITMAP, nrBlocks - first));
  }

  /** Loads the overflow counts, last: what is loaded now is the committed state. */
  final void loadOverflow(long refCountRoot) throws IOException {
    overflow = new OverflowTree(tm, refCountRoot);
    overflow.loadInto(counts);
    counts.committed();
  }
}

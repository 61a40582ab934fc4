package org.thinpool.meta.space;

import java.io.IOException;
import java.util.Arrays;
import org.thinpool.io.MetadataCorruptException;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;
import org.thinpool.meta.tx.TransactionManager;

/**
 * The metadata space map (spec 5.4): bitmaps found through one index block, plus an overflow tree.
 * It counts its own blocks too, which makes writing it back recursive: relocating a bitmap
 * allocates a block, which changes a bitmap. {@link #flush} runs that to a fixed point in memory
 * before a single byte of it is written, so the written image is self-consistent.
 */
public final class MetadataSpaceMap extends CountedSpaceMap {
  /** 255 index entries fit the index block: 4 161 600 metadata blocks (spec 1.1). */
  public static final int MAX_BITMAPS = MetadataIndex.MAX_ENTRIES;

  public static final long MAX_BLOCKS = (long) MAX_BITMAPS * Bitmaps.ENTRIES_PER_BITMAP;

  private long[] bitmapLocations = new long[0];
  private boolean[] relocated = new boolean[0];
  private long indexBlock;
  private boolean indexRelocated;

  private MetadataSpaceMap(TransactionManager tm) {
    super("metadata", tm);
  }

  /**
   * Formats a new metadata space map over {@code nrBlocks} blocks; block 0 (the superblock) gets
   * count 1. Installs itself as the transaction manager's space map.
   */
  public static MetadataSpaceMap create(TransactionManager tm, long nrBlocks) throws IOException {
    MetadataSpaceMap sm = new MetadataSpaceMap(tm);
    sm.counts.extend(Math.min(nrBlocks, MAX_BLOCKS));
    sm.growLocations();
    tm.setMetadataSpaceMap(sm);
    sm.counts.set(0, 1);
    sm.overflow = OverflowTree.create(tm);
    return sm;
  }

  /** Opens the map described by a superblock's root; installs it in the manager. */
  public static MetadataSpaceMap open(TransactionManager tm, SpaceMapRoot root) throws IOException {
    MetadataSpaceMap sm = new MetadataSpaceMap(tm);
    if (root.nrBlocks() > MAX_BLOCKS || root.nrBlocks() < 1) {
      throw new MetadataCorruptException(
          0, "superblock", "metadata space map of " + root.nrBlocks() + " blocks is impossible");
    }
    int n = Bitmaps.bitmapCount(root.nrBlocks());
    sm.bitmapLocations = new long[n];
    sm.relocated = new boolean[n];
    try (ReadBlock index = tm.read(root.bitmapRoot(), MetadataIndex.BLOCK_TYPE)) {
      sm.indexBlock = root.bitmapRoot();
      for (int k = 0; k < n; k++) {
        sm.bitmapLocations[k] = MetadataIndex.bitmapLocation(index, k);
        sm.loadBitmap(k, sm.bitmapLocations[k], root.nrBlocks());
      }
    }
    tm.setMetadataSpaceMap(sm);
    sm.loadOverflow(root.refCountRoot());
    return sm;
  }

  @Override
  public void inc(long block) {
    long c = counts.get(block);
    if (c == 0) {
      throw new AssertionError("inc of free metadata block " + block);
    }
    counts.set(block, c + 1);
  }

  @Override
  public void extend(long extraBlocks) throws IOException {
    long target = Math.min(counts.nrBlocks() + extraBlocks, MAX_BLOCKS);
    counts.extend(target - counts.nrBlocks());
    growLocations();
  }

  /**
   * Writes the map into new blocks (copy-on-write). Flushed last in a commit, after every other
   * metadata change: its own allocations settle here.
   */
  @Override
  public void flush() throws IOException {
    boolean progress = true;
    while (progress) {
      progress = overflow.writeBack(counts);
      for (int k = 0; k < counts.bitmapCount(); k++) {
        if (counts.bitmapDirty(k) && !relocated[k]) {
          long fresh = counts.allocate();
          if (bitmapLocations[k] != 0) {
            dec(bitmapLocations[k]);
          }
          bitmapLocations[k] = fresh;
          relocated[k] = true;
          progress = true;
        }
      }
      if (!indexRelocated) {
        long fresh = counts.allocate();
        if (indexBlock != 0) {
          dec(indexBlock);
        }
        indexBlock = fresh;
        indexRelocated = true;
        progress = true;
      }
    }
    var bm = tm.blockManager();
    for (int k = 0; k < counts.bitmapCount(); k++) {
      if (relocated[k]) {
        try (WriteBlock b = bm.zero(bitmapLocations[k], Bitmaps.BLOCK_TYPE)) {
          b.copyFrom(counts.bitmapImage(k));
        }
      }
    }
    try (WriteBlock idx = bm.zero(indexBlock, MetadataIndex.BLOCK_TYPE)) {
      for (int k = 0; k < counts.bitmapCount(); k++) {
        MetadataIndex.setEntry(
            idx, k, new IndexEntry(bitmapLocations[k], counts.nrFreeIn(k), counts.firstFreeIn(k)));
      }
    }
  }

  @Override
  long bitmapRoot() {
    return indexBlock;
  }

  @Override
  public void committed() {
    super.committed();
    Arrays.fill(relocated, false);
    indexRelocated = false;
  }

  private void growLocations() {
    int n = counts.bitmapCount();
    bitmapLocations = Arrays.copyOf(bitmapLocations, n);
    relocated = Arrays.copyOf(relocated, n);
  }
}

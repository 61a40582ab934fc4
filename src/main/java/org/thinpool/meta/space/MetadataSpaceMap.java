package org.thinpool.meta.space;

import java.io.IOException;
import org.thinpool.io.MetadataCorruptException;
import org.thinpool.meta.block.BlockType;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;
import org.thinpool.meta.tx.TransactionManager;

/**
 * The metadata space map (spec 5.4): bitmaps found through one index block, plus an overflow
 * tree. It counts its own blocks too, which makes writing it back recursive: relocating a bitmap
 * allocates a block, which changes a bitmap. {@link #writeBack} runs that to a fixed point in
 * memory before a single byte of it is written, so the written image is self-consistent.
 */
public final class MetadataSpaceMap extends CountedSpaceMap {
  /** 255 index entries fit the index block: 4 161 600 metadata blocks (spec 1.1). */
  public static final int MAX_BITMAPS = 255;

  public static final long MAX_BLOCKS = (long) MAX_BITMAPS * Bitmaps.ENTRIES_PER_BITMAP;

  private final TransactionManager tm;
  private long[] bitmapLocations = new long[0];
  private boolean[] relocated = new boolean[0];
  private long indexBlock;
  private boolean indexRelocated;
  private OverflowTree overflow;

  private MetadataSpaceMap(TransactionManager tm) {
    super("metadata");
    this.tm = tm;
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
  public static MetadataSpaceMap open(TransactionManager tm, SpaceMapRoot root)
      throws IOException {
    MetadataSpaceMap sm = new MetadataSpaceMap(tm);
    if (root.nrBlocks() > MAX_BLOCKS || root.nrBlocks() < 1) {
      throw new MetadataCorruptException(0, "superblock", "metadata space map of "
          + root.nrBlocks() + " blocks is impossible");
    }
    int n = Bitmaps.bitmapCount(root.nrBlocks());
    sm.bitmapLocations = new long[n];
    sm.relocated = new boolean[n];
    try (ReadBlock index = tm.read(root.bitmapRoot(), BlockType.INDEX)) {
      sm.indexBlock = root.bitmapRoot();
      for (int k = 0; k < n; k++) {
        long loc = index.u64(16 + 16 * k);
        sm.bitmapLocations[k] = loc;
        byte[] image = new byte[MetadataBlock.SIZE_BYTES];
        try (ReadBlock bm = tm.read(loc, BlockType.BITMAP)) {
          bm.copyTo(image);
        }
        long covered = Math.min(
            Bitmaps.ENTRIES_PER_BITMAP, root.nrBlocks() - (long) k * Bitmaps.ENTRIES_PER_BITMAP);
        sm.counts.loadBitmap(image, covered);
      }
    }
    tm.setMetadataSpaceMap(sm);
    sm.overflow = new OverflowTree(tm, root.refCountRoot());
    sm.overflow.loadInto(sm.counts);
    sm.counts.committed();
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
   * Writes the map into new blocks (copy-on-write) and returns the root for the superblock. Call
   * last in a commit, after every other metadata change: its own allocations settle here.
   */
  public SpaceMapRoot writeBack() throws IOException {
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
        try (WriteBlock b = bm.zero(bitmapLocations[k], BlockType.BITMAP)) {
          b.copyFrom(counts.bitmapImage(k));
        }
      }
    }
    try (WriteBlock idx = bm.zero(indexBlock, BlockType.INDEX)) {
      for (int k = 0; k < counts.bitmapCount(); k++) {
        int off = 16 + 16 * k;
        idx.putU64(off, bitmapLocations[k]);
        idx.putU32(off + 8, counts.nrFreeIn(k));
        idx.putU32(off + 12, counts.firstFreeIn(k));
      }
    }
    return new SpaceMapRoot(
        counts.nrBlocks(), counts.nrAllocated(), indexBlock, overflow.root());
  }

  /** After the superblock is on disk. */
  public void committed() {
    counts.committed();
    java.util.Arrays.fill(relocated, false);
    indexRelocated = false;
  }

  private void growLocations() {
    int n = counts.bitmapCount();
    bitmapLocations = java.util.Arrays.copyOf(bitmapLocations, n);
    relocated = java.util.Arrays.copyOf(relocated, n);
  }
}

package org.thinpool.meta.space;

import java.io.IOException;
import java.util.Arrays;
import org.thinpool.io.MetadataCorruptException;
import org.thinpool.meta.block.WriteBlock;
import org.thinpool.meta.btree.BTree;
import org.thinpool.meta.tx.TransactionManager;

/**
 * The data space map (spec 5.5): bitmaps found through an index b-tree (key = bitmap number, value
 * = {@link IndexEntry}), plus an overflow tree. Its blocks are metadata blocks; writing it back
 * allocates from the metadata space map, so it is written before that one.
 */
public final class DataSpaceMap extends CountedSpaceMap {
  private final BTree<IndexEntry> indexTree;
  private long[] bitmapLocations = new long[0];
  private long indexRoot;

  private DataSpaceMap(TransactionManager tm) {
    super("data", tm);
    this.indexTree = new BTree<>(tm, IndexEntryType.INSTANCE);
  }

  /** A new data space map of {@code nrBlocks} free blocks. */
  public static DataSpaceMap create(TransactionManager tm, long nrBlocks) throws IOException {
    DataSpaceMap sm = new DataSpaceMap(tm);
    sm.indexRoot = sm.indexTree.createEmpty();
    sm.overflow = OverflowTree.create(tm);
    sm.extend(nrBlocks);
    return sm;
  }

  public static DataSpaceMap open(TransactionManager tm, SpaceMapRoot root) throws IOException {
    DataSpaceMap sm = new DataSpaceMap(tm);
    sm.indexRoot = root.bitmapRoot();
    int n = Bitmaps.bitmapCount(root.nrBlocks());
    sm.bitmapLocations = new long[n];
    long[] seen = {0};
    sm.indexTree.visit(
        sm.indexRoot,
        0,
        n,
        (k, entry) -> {
          if (k != seen[0]) {
            throw new MetadataCorruptException(
                sm.indexRoot, "data space map index", "bitmap " + seen[0] + " has no entry");
          }
          seen[0]++;
          sm.bitmapLocations[(int) k] = entry.blockNr();
          sm.loadBitmap((int) k, entry.blockNr(), root.nrBlocks());
          return true;
        });
    if (seen[0] != n) {
      throw new MetadataCorruptException(
          sm.indexRoot, "data space map index", "only " + seen[0] + " of " + n + " bitmaps");
    }
    sm.loadOverflow(root.refCountRoot());
    return sm;
  }

  @Override
  public void inc(long block) {
    counts.set(block, counts.get(block) + 1);
  }

  @Override
  public void extend(long extraBlocks) {
    counts.extend(extraBlocks);
    bitmapLocations = Arrays.copyOf(bitmapLocations, counts.bitmapCount());
  }

  /** Writes changed bitmaps, index entries and overflow counts (allocating metadata blocks). */
  @Override
  public void flush() throws IOException {
    for (int k = 0; k < counts.bitmapCount(); k++) {
      if (!counts.bitmapDirty(k)) {
        continue;
      }
      long old = bitmapLocations[k];
      try (WriteBlock b = tm.newBlock(Bitmaps.BLOCK_TYPE)) {
        b.copyFrom(counts.bitmapImage(k));
        bitmapLocations[k] = b.blockNr();
      }
      if (old != 0) {
        tm.dec(old);
      }
      IndexEntry e = new IndexEntry(bitmapLocations[k], counts.nrFreeIn(k), counts.firstFreeIn(k));
      indexRoot = indexTree.insert(indexRoot, k, e).root();
    }
    overflow.writeBack(counts);
  }

  @Override
  long bitmapRoot() {
    return indexRoot;
  }
}

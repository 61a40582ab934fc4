package org.thinpool.meta.space;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.tx.LongHashSet;
import org.thinpool.meta.tx.LongLongHashMap;

/**
 * The in-memory image of one space map: every bitmap block as it will be written, the overflow
 * counts (3 and more), and for each bitmap touched in this transaction a copy of its committed
 * version, so that allocation can refuse blocks the committed state still uses.
 *
 * <p>Memory: 4 KiB per 16 320 blocks (a 1 TiB pool of 64 KiB blocks: 4 MiB) plus 16 bytes per block
 * with a count of 3 or more.
 */
final class Counts {
  private final String name;
  private final List<byte[]> bitmaps = new ArrayList<>();
  private final List<byte[]> committed = new ArrayList<>();
  private final LongLongHashMap overflow = new LongLongHashMap();
  private final LongHashSet dirtyOverflow = new LongHashSet();
  private boolean[] dirtyBitmaps = new boolean[0];

  /** Per bitmap: no free entry lies below this index (a lower bound, like none_free_before). */
  private int[] freeHint = new int[0];

  /** Per bitmap: its free entries (a primitive array: the allocator updates it on every block). */
  private int[] nrFree = new int[0];

  private long nrBlocks;
  private long nrAllocated;
  private long cursor;

  Counts(String name) {
    this.name = name;
  }

  long nrBlocks() {
    return nrBlocks;
  }

  long nrAllocated() {
    return nrAllocated;
  }

  int bitmapCount() {
    return bitmaps.size();
  }

  /** Adds a bitmap loaded from disk (its whole block image) covering the next blocks. */
  void loadBitmap(byte[] image, long blocksCovered) {
    bitmaps.add(image);
    committed.add(null);
    int free = 0;
    for (int e = 0; e < blocksCovered; e++) {
      int v = Bitmaps.get(image, e);
      if (v == 0) {
        free++;
      } else {
        nrAllocated++;
      }
    }
    nrBlocks += blocksCovered;
    grownTo(bitmaps.size());
    nrFree[bitmaps.size() - 1] = free;
  }

  /** The per-bitmap arrays sized for {@code bitmapCount} bitmaps. */
  private void grownTo(int bitmapCount) {
    dirtyBitmaps = Arrays.copyOf(dirtyBitmaps, bitmapCount);
    freeHint = Arrays.copyOf(freeHint, bitmapCount);
    nrFree = Arrays.copyOf(nrFree, bitmapCount);
  }

  /** Records a count >= 3 read from the overflow tree. */
  void loadOverflow(long block, long count) {
    overflow.put(block, count);
  }

  /** Grows by {@code extra} free blocks, adding (dirty) bitmaps as needed. */
  void extend(long extra) {
    long target = nrBlocks + extra;
    while (nrBlocks < target) {
      int k = (int) (nrBlocks / Bitmaps.ENTRIES_PER_BITMAP);
      if (k == bitmaps.size()) {
        bitmaps.add(new byte[MetadataBlock.SIZE_BYTES]);
        committed.add(null);
        grownTo(bitmaps.size());
      }
      long bitmapEnd = (long) (k + 1) * Bitmaps.ENTRIES_PER_BITMAP;
      long add = Math.min(target, bitmapEnd) - nrBlocks;
      int coveredBefore = (int) (nrBlocks - (long) k * Bitmaps.ENTRIES_PER_BITMAP);
      freeHint[k] = Math.min(freeHint[k], coveredBefore);
      nrFree[k] += (int) add;
      dirtyBitmaps[k] = true;
      nrBlocks += add;
    }
  }

  long get(long block) {
    checkRange(block);
    int v = Bitmaps.get(bitmap(block), entry(block));
    if (v < 3) {
      return v;
    }
    long c = overflow.get(block, -1);
    if (c < 3) {
      throw new AssertionError(name + " block " + block + " has bitmap value 3 but no overflow");
    }
    return c;
  }

  void set(long block, long count) {
    checkRange(block);
    if (count < 0 || count > 0xFFFFFFFFL) {
      throw new AssertionError(name + " count out of range for block " + block + ": " + count);
    }
    int k = (int) (block / Bitmaps.ENTRIES_PER_BITMAP);
    int e = entry(block);
    byte[] bm = bitmaps.get(k);
    int old = Bitmaps.get(bm, e);
    if (committed.get(k) == null) {
      committed.set(k, bm.clone());
    }
    int v = (int) Math.min(count, 3);
    if (old != v) {
      Bitmaps.set(bm, e, v);
    }
    dirtyBitmaps[k] = true;
    if (old == 0 && count > 0) {
      nrAllocated++;
      nrFree[k]--;
    } else if (old != 0 && count == 0) {
      nrAllocated--;
      nrFree[k]++;
      freeHint[k] = Math.min(freeHint[k], e);
    }
    if (count >= 3) {
      if (overflow.get(block, -1) != count) {
        overflow.put(block, count);
        dirtyOverflow.add(block);
      }
    } else if (old == 3) {
      overflow.remove(block);
      dirtyOverflow.add(block);
    }
  }

  /** True if the block is free now and was free at the last commit. */
  boolean allocatable(long block) {
    int k = (int) (block / Bitmaps.ENTRIES_PER_BITMAP);
    int e = entry(block);
    if (Bitmaps.get(bitmaps.get(k), e) != 0) {
      return false;
    }
    byte[] c = committed.get(k);
    return c == null || Bitmaps.get(c, e) == 0;
  }

  /** Finds, counts to 1 and returns a block that is allocatable. */
  long allocate() throws OutOfSpaceException {
    long found = search(cursor, nrBlocks);
    if (found < 0) {
      found = search(0, Math.min(cursor, nrBlocks));
    }
    if (found < 0) {
      throw outOfSpace();
    }
    set(found, 1);
    cursor = found + 1;
    return found;
  }

  /**
   * Finds up to {@code max} consecutive allocatable blocks, counts each to 1 and returns them: the
   * first run of {@code max} among the first {@value #RUN_CANDIDATES} free stretches from the
   * cursor on (wrapping once), else the longest of them, at least one block.
   */
  Extent allocateRun(int max) throws OutOfSpaceException {
    if (max < 1) {
      throw new AssertionError("a run of " + max + " blocks");
    }
    long best = -1;
    int bestLength = 0;
    long from = cursor;
    long to = nrBlocks;
    boolean wrapped = false;
    for (int tried = 0; tried < RUN_CANDIDATES && bestLength < max; ) {
      long found = search(from, to);
      if (found < 0) {
        if (wrapped) {
          break;
        }
        wrapped = true;
        from = 0;
        to = Math.min(cursor, nrBlocks);
        continue;
      }
      tried++;
      int length = 1;
      while (length < max && found + length < to && allocatable(found + length)) {
        length++;
      }
      if (length > bestLength) {
        best = found;
        bestLength = length;
      }
      from = found + length + 1; // found + length is taken (or the end)
    }
    if (best < 0) {
      throw outOfSpace();
    }
    for (int i = 0; i < bestLength; i++) {
      set(best + i, 1);
    }
    cursor = best + bestLength;
    return new Extent(best, bestLength);
  }

  /** Free stretches {@link #allocateRun} looks at before it settles for a shorter run. */
  static final int RUN_CANDIDATES = 64;

  private OutOfSpaceException outOfSpace() {
    return new OutOfSpaceException(
        "no free "
            + name
            + " blocks ("
            + nrBlocks
            + " blocks, all in use or freed since the"
            + " last commit)");
  }

  private long search(long from, long to) {
    long b = from;
    while (b < to) {
      int k = (int) (b / Bitmaps.ENTRIES_PER_BITMAP);
      long base = (long) k * Bitmaps.ENTRIES_PER_BITMAP;
      int limit = (int) Math.min(Bitmaps.ENTRIES_PER_BITMAP, to - base);
      if (nrFree[k] > 0) {
        int e = (int) (b - base);
        if (e <= freeHint[k]) {
          e = freeHint[k];
          int first = Bitmaps.findFree(bitmaps.get(k), e, limit);
          if (limit == Math.min(Bitmaps.ENTRIES_PER_BITMAP, nrBlocks - base)) {
            freeHint[k] = first < 0 ? limit : first;
          }
        }
        while (e >= 0 && e < limit) {
          e = Bitmaps.findFree(bitmaps.get(k), e, limit);
          if (e < 0) {
            break;
          }
          if (allocatable(base + e)) {
            return base + e;
          }
          e++;
        }
      }
      b = base + Bitmaps.ENTRIES_PER_BITMAP;
    }
    return -1;
  }

  int nrFreeIn(int k) {
    return nrFree[k];
  }

  /** First free entry of bitmap k (for the none_free_before hint), or its entry count. */
  int firstFreeIn(int k) {
    long base = (long) k * Bitmaps.ENTRIES_PER_BITMAP;
    int limit = (int) Math.min(Bitmaps.ENTRIES_PER_BITMAP, nrBlocks - base);
    int e = Bitmaps.findFree(bitmaps.get(k), Math.min(freeHint[k], limit), limit);
    return e < 0 ? limit : e;
  }

  byte[] bitmapImage(int k) {
    return bitmaps.get(k);
  }

  boolean bitmapDirty(int k) {
    return dirtyBitmaps[k];
  }

  /** Overflow keys changed since the last call; their current count is {@link #get}. */
  long[] takeDirtyOverflow() {
    long[] keys = dirtyOverflow.toArray();
    dirtyOverflow.clear();
    Arrays.sort(keys);
    return keys;
  }

  /** Whether any count or the size changed since the last commit (or load): a dirty bitmap. */
  boolean changed() {
    for (boolean d : dirtyBitmaps) {
      if (d) {
        return true;
      }
    }
    return false;
  }

  boolean hasDirtyOverflow() {
    return dirtyOverflow.size() > 0;
  }

  /** After a commit: nothing is dirty, the current counts are the committed ones. */
  void committed() {
    Arrays.fill(dirtyBitmaps, false);
    for (int k = 0; k < committed.size(); k++) {
      committed.set(k, null);
    }
    cursor = 0;
  }

  private byte[] bitmap(long block) {
    return bitmaps.get((int) (block / Bitmaps.ENTRIES_PER_BITMAP));
  }

  private static int entry(long block) {
    return (int) (block % Bitmaps.ENTRIES_PER_BITMAP);
  }

  private void checkRange(long block) {
    if (block < 0 || block >= nrBlocks) {
      throw new AssertionError(name + " block " + block + " beyond " + nrBlocks + " blocks");
    }
  }
}

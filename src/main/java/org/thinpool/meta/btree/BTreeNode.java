package org.thinpool.meta.btree;

import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;

/**
 * Read-only codec of a b-tree node (spec 3.1), for the tree code, checkers and dumpers. Every
 * method exists for a held {@link ReadBlock} and for the raw bytes of a block.
 *
 * <pre>
 * offset               size              field
 * 0                    4                 csum (crc32c, salt 121107; set by the block manager)
 * 4                    4                 flags: 1 = INTERNAL, 2 = LEAF (exactly one)
 * 8                    8                 blocknr (own block number)
 * 16                   4                 nr_entries
 * 20                   4                 max_entries = maxEntriesFor(value_size), divisible by 3
 * 24                   4                 value_size (8 in every internal node)
 * 28                   4                 padding, 0
 * 32                   8 * max_entries   keys[], keys[0 .. nr_entries) strictly ascending (u64)
 * 32 + 8 * max         value_size * max  values[]; value i at 32 + 8 * max + i * value_size
 * end of values        up to 4096        zero
 * </pre>
 *
 * <p>Leaf: {@code keys[i] -> values[i]}. Internal: {@code values[i]} is the u64 block number of
 * child {@code i}, and {@code keys[i]} is a lower bound of every key in that child, which are all
 * below {@code keys[i + 1]}. Keys are unsigned 64-bit numbers and compare as such.
 */
public final class BTreeNode {
  public static final int FLAG_INTERNAL = 1;
  public static final int FLAG_LEAF = 2;
  public static final int HEADER_BYTES = 32;
  public static final int OFFSET_FLAGS = 4;
  public static final int OFFSET_BLOCKNR = 8;
  public static final int OFFSET_NR_ENTRIES = 16;
  public static final int OFFSET_MAX_ENTRIES = 20;
  public static final int OFFSET_VALUE_SIZE = 24;
  public static final int KEY_BYTES = 8;
  /** Internal nodes hold u64 child block numbers, whatever the leaf value size. */
  public static final int INTERNAL_VALUE_SIZE = 8;
  /** 252: the capacity of every internal node (and of leaves with 8-byte values). */
  public static final int INTERNAL_MAX_ENTRIES = maxEntriesFor(INTERNAL_VALUE_SIZE);

  private BTreeNode() {}

  /** The largest multiple of 3 entries of {@code valueSize} bytes that fits a block (spec 3.2). */
  public static int maxEntriesFor(int valueSize) {
    if (valueSize <= 0 || valueSize > MetadataBlock.SIZE_BYTES - HEADER_BYTES - KEY_BYTES) {
      throw new IllegalArgumentException("impossible value size " + valueSize);
    }
    int fit = (MetadataBlock.SIZE_BYTES - HEADER_BYTES) / (KEY_BYTES + valueSize);
    return 3 * (fit / 3);
  }

  /** The fill invariant: a node other than a root holds at least this many entries (spec 3.3). */
  public static int minEntries(int maxEntries) {
    return maxEntries / 3;
  }

  public static int keyOffset(int index) {
    return HEADER_BYTES + KEY_BYTES * index;
  }

  /** Offset of value {@code index} in a node of the given capacity and value size. */
  public static int valueOffset(int maxEntries, int valueSize, int index) {
    return HEADER_BYTES + KEY_BYTES * maxEntries + index * valueSize;
  }

  // ---- over a held block

  public static int flags(ReadBlock b) {
    return (int) b.u32(OFFSET_FLAGS);
  }

  public static boolean isLeaf(ReadBlock b) {
    return flags(b) == FLAG_LEAF;
  }

  public static boolean isInternal(ReadBlock b) {
    return flags(b) == FLAG_INTERNAL;
  }

  public static int nrEntries(ReadBlock b) {
    return (int) b.u32(OFFSET_NR_ENTRIES);
  }

  public static int maxEntries(ReadBlock b) {
    return (int) b.u32(OFFSET_MAX_ENTRIES);
  }

  public static int valueSize(ReadBlock b) {
    return (int) b.u32(OFFSET_VALUE_SIZE);
  }

  public static long key(ReadBlock b, int index) {
    return b.u64(keyOffset(index));
  }

  public static int valueOffset(ReadBlock b, int index) {
    return valueOffset(maxEntries(b), valueSize(b), index);
  }

  /** Child block number {@code index} of an internal node. */
  public static long child(ReadBlock b, int index) {
    return b.u64(valueOffset(b, index));
  }

  /** The largest index whose key is {@code <= key}, or -1 if every key is larger. */
  public static int lowerBound(ReadBlock b, long key) {
    int lo = -1;
    int hi = nrEntries(b);
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(key(b, mid), key) <= 0) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The smallest index whose key is {@code >= key}, or {@code nrEntries} if there is none. */
  public static int ceilingIndex(ReadBlock b, long key) {
    int i = lowerBound(b, key);
    return i >= 0 && key(b, i) == key ? i : i + 1;
  }

  // ---- over raw block bytes

  public static int flags(byte[] b) {
    return (int) MetadataBlock.u32(b, OFFSET_FLAGS);
  }

  public static boolean isLeaf(byte[] b) {
    return flags(b) == FLAG_LEAF;
  }

  public static boolean isInternal(byte[] b) {
    return flags(b) == FLAG_INTERNAL;
  }

  public static int nrEntries(byte[] b) {
    return (int) MetadataBlock.u32(b, OFFSET_NR_ENTRIES);
  }

  public static int maxEntries(byte[] b) {
    return (int) MetadataBlock.u32(b, OFFSET_MAX_ENTRIES);
  }

  public static int valueSize(byte[] b) {
    return (int) MetadataBlock.u32(b, OFFSET_VALUE_SIZE);
  }

  public static long key(byte[] b, int index) {
    return MetadataBlock.u64(b, keyOffset(index));
  }

  public static int valueOffset(byte[] b, int index) {
    return valueOffset(maxEntries(b), valueSize(b), index);
  }

  public static long child(byte[] b, int index) {
    return MetadataBlock.u64(b, valueOffset(b, index));
  }

  public static int lowerBound(byte[] b, long key) {
    int lo = -1;
    int hi = nrEntries(b);
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(key(b, mid), key) <= 0) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}

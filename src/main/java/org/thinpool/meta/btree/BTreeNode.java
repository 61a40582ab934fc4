package org.thinpool.meta.btree;

import org.thinpool.io.MetadataCorruptException;
import org.thinpool.meta.block.BlockType;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;

/**
 * Read-only codec of a b-tree node (spec 3.1), for the tree code, checkers and dumpers, over any
 * {@link ReadBlock}: a held block, or a {@link org.thinpool.meta.block.BlockImage} of raw bytes.
 * The writing half is {@link NodeEdit}; the validator the block manager runs is {@link #validate}.
 *
 * <pre>
 * offset               size              field
 * 0                    4                 csum (crc32c, salt SALT; set by the block manager)
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
  /** Checksum salt of b-tree nodes (spec 1.2). */
  public static final int SALT = 121107;

  /** The block type of every b-tree node, whatever its tree: checked by {@link #validate}. */
  public static final BlockType BLOCK_TYPE = new BlockType("btree node", SALT, BTreeNode::validate);

  public static final int FLAG_INTERNAL = 1;
  public static final int FLAG_LEAF = 2;
  public static final int HEADER_BYTES = 32;
  public static final int OFFSET_FLAGS = 4;
  public static final int OFFSET_BLOCKNR = MetadataBlock.OFFSET_BLOCKNR;
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

  /**
   * The largest index whose key is {@code <= key}, or -1 if every key is larger.
   *
   * <p>Two rounds of interpolation before the binary search: a mapping tree's keys are virtual
   * block numbers, mostly consecutive within a node, so the first guess is usually the entry. Each
   * probe of a binary search over a 4 KiB node is a cache line of its own, and on the I/O path the
   * data copies between two lookups have evicted the node: the guess saves five or six memory reads
   * per node on every mapped read and write.
   */
  public static int lowerBound(ReadBlock b, long key) {
    int n = nrEntries(b);
    if (n == 0 || Long.compareUnsigned(key(b, 0), key) > 0) {
      return -1;
    }
    int lo = 0;
    int hi = n - 1;
    if (Long.compareUnsigned(key(b, hi), key) <= 0) {
      return hi;
    }
    // from here on key(lo) <= key < key(hi)
    for (int round = 0; round < 2 && hi - lo > 1; round++) {
      long from = key(b, lo);
      long span = key(b, hi) - from; // unsigned, > key - from
      if (span <= 0 || span > Integer.MAX_VALUE) {
        break; // too wide to interpolate in a long (or wrapped): binary search
      }
      int guess = lo + Math.max(1, (int) ((key - from) * (hi - lo) / span));
      if (Long.compareUnsigned(key(b, guess), key) <= 0) {
        lo = guess;
      } else {
        hi = guess;
      }
    }
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

  // ---- the validator the block manager runs on every node read or written

  /**
   * Header sanity of one node (spec 3.1): its kind, value size and capacity are possible, its
   * entries fit, its keys ascend. Whether the node fits where a tree found it is {@link
   * NodeCheck}'s question.
   */
  static void validate(ReadBlock b) throws MetadataCorruptException {
    long flags = b.u32(OFFSET_FLAGS);
    long nr = b.u32(OFFSET_NR_ENTRIES);
    long max = b.u32(OFFSET_MAX_ENTRIES);
    long valueSize = b.u32(OFFSET_VALUE_SIZE);
    String why = null;
    if (flags != FLAG_INTERNAL && flags != FLAG_LEAF) {
      why = "node flags " + flags + " are neither internal nor leaf";
    } else if (valueSize == 0 || valueSize > MetadataBlock.SIZE_BYTES) {
      why = "value size " + valueSize + " is impossible";
    } else if (HEADER_BYTES + max * (KEY_BYTES + valueSize) > MetadataBlock.SIZE_BYTES) {
      why = "max entries " + max + " with value size " + valueSize + " overflow the block";
    } else if (max % 3 != 0) {
      why = "max entries " + max + " is not divisible by 3";
    } else if (nr > max) {
      why = "nr entries " + nr + " exceeds max entries " + max;
    } else if (flags == FLAG_INTERNAL && valueSize != INTERNAL_VALUE_SIZE) {
      why = "internal node with value size " + valueSize;
    } else {
      for (int i = 1; i < nr && why == null; i++) {
        if (Long.compareUnsigned(key(b, i), key(b, i - 1)) <= 0) {
          why = "keys not strictly ascending at entry " + i;
        }
      }
    }
    if (why != null) {
      throw NodeCheck.corrupt(b, why);
    }
  }
}

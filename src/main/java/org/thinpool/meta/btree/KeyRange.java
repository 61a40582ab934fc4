package org.thinpool.meta.btree;

import org.thinpool.meta.block.ReadBlock;

/**
 * The keys a node may hold, as its ancestors' keys bound them: at least {@code lowest} and, if
 * {@code bounded}, below {@code limit} (unsigned comparisons).
 */
record KeyRange(long lowest, long limit, boolean bounded) {
  /** The range of a root: every key. */
  static final KeyRange ALL = new KeyRange(0, 0, false);

  /** The range of child {@code index} of an internal node whose own range is {@code range}. */
  static KeyRange child(ReadBlock parent, int index, KeyRange range) {
    long lowest = BTreeNode.key(parent, index);
    if (index + 1 < BTreeNode.nrEntries(parent)) {
      return new KeyRange(lowest, BTreeNode.key(parent, index + 1), true);
    }
    return new KeyRange(lowest, range.limit, range.bounded);
  }

  boolean contains(long key) {
    return contains(lowest, limit, bounded, key);
  }

  static boolean contains(long lowest, long limit, boolean bounded, long key) {
    return Long.compareUnsigned(key, lowest) >= 0
        && (!bounded || Long.compareUnsigned(key, limit) < 0);
  }

  @Override
  public String toString() {
    return "["
        + Long.toUnsignedString(lowest)
        + ", "
        + (bounded ? Long.toUnsignedString(limit) + ")" : "end]");
  }
}

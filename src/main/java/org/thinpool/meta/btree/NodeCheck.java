package org.thinpool.meta.btree;

import org.thinpool.io.MetadataCorruptException;
import org.thinpool.meta.block.ReadBlock;

/**
 * Checks that a node read from the device fits where the tree found it, beyond the header sanity
 * the block manager already checked: its kind and sizes belong to this tree, internal nodes are not
 * empty, and its keys lie within the range its ancestors give it. Underfull nodes are accepted here
 * (the operations cope with them); the pool checker reports them.
 */
final class NodeCheck {
  private NodeCheck() {}

  static void check(ReadBlock b, int leafValueSize, KeyRange range)
      throws MetadataCorruptException {
    check(b, leafValueSize, range.lowest(), range.limit(), range.bounded());
  }

  /** {@link #check(ReadBlock, int, KeyRange)} with the range in its parts. */
  static void check(ReadBlock b, int leafValueSize, long lowest, long limit, boolean bounded)
      throws MetadataCorruptException {
    int nr = BTreeNode.nrEntries(b);
    int max = BTreeNode.maxEntries(b);
    int valueSize = BTreeNode.valueSize(b);
    if (BTreeNode.isInternal(b)) {
      if (valueSize != BTreeNode.INTERNAL_VALUE_SIZE || max != BTreeNode.INTERNAL_MAX_ENTRIES) {
        throw corrupt(
            b,
            "internal node with value size "
                + valueSize
                + " and max entries "
                + max
                + ", expected 8 and "
                + BTreeNode.INTERNAL_MAX_ENTRIES);
      }
      if (nr == 0) {
        throw corrupt(b, "internal node without entries");
      }
    } else {
      if (valueSize != leafValueSize) {
        throw corrupt(
            b,
            "leaf with value size "
                + valueSize
                + " in a tree of "
                + leafValueSize
                + "-byte values");
      }
      if (max != BTreeNode.maxEntriesFor(valueSize)) {
        throw corrupt(
            b, "leaf with max entries " + max + ", expected " + BTreeNode.maxEntriesFor(valueSize));
      }
    }
    if (nr > 0
        && (!KeyRange.contains(lowest, limit, bounded, BTreeNode.key(b, 0))
            || !KeyRange.contains(lowest, limit, bounded, BTreeNode.key(b, nr - 1)))) {
      KeyRange range = new KeyRange(lowest, limit, bounded);
      throw corrupt(
          b,
          "keys "
              + Long.toUnsignedString(BTreeNode.key(b, 0))
              + ".."
              + Long.toUnsignedString(BTreeNode.key(b, nr - 1))
              + " lie outside the range "
              + range
              + " given by the parent");
    }
  }

  /** Siblings must both be leaves or both internal nodes (all leaves are at the same depth). */
  static void sameDepth(ReadBlock a, ReadBlock b) throws MetadataCorruptException {
    if (BTreeNode.flags(a) != BTreeNode.flags(b)) {
      throw corrupt(
          b,
          "node is a "
              + kind(b)
              + " but its sibling "
              + a.blockNr()
              + " is a "
              + kind(a)
              + ": leaves at different depths");
    }
  }

  static MetadataCorruptException corrupt(ReadBlock b, String reason) {
    return corrupt(b.blockNr(), reason);
  }

  static MetadataCorruptException corrupt(long blockNr, String reason) {
    return new MetadataCorruptException(blockNr, BTreeNode.BLOCK_TYPE.description(), reason);
  }

  private static String kind(ReadBlock b) {
    return BTreeNode.isLeaf(b) ? "leaf" : "internal node";
  }
}

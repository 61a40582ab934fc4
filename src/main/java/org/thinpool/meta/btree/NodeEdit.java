package org.thinpool.meta.btree;

import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.WriteBlock;

/** In-place edits of a writable node (the writing half of {@link BTreeNode}). */
final class NodeEdit {
  private NodeEdit() {}

  /** Makes {@code b} an empty node: zeroed, with a fresh header for the given kind. */
  static void init(WriteBlock b, int flags, int valueSize) {
    if (flags == BTreeNode.FLAG_INTERNAL && valueSize != BTreeNode.INTERNAL_VALUE_SIZE) {
      throw new AssertionError("internal node with value size " + valueSize);
    }
    b.zero(BTreeNode.OFFSET_FLAGS, MetadataBlock.SIZE_BYTES - BTreeNode.OFFSET_FLAGS);
    b.putU32(BTreeNode.OFFSET_FLAGS, flags);
    b.putU64(BTreeNode.OFFSET_BLOCKNR, b.blockNr());
    b.putU32(BTreeNode.OFFSET_NR_ENTRIES, 0);
    b.putU32(BTreeNode.OFFSET_MAX_ENTRIES, BTreeNode.maxEntriesFor(valueSize));
    b.putU32(BTreeNode.OFFSET_VALUE_SIZE, valueSize);
  }

  static void setNrEntries(WriteBlock b, int nr) {
    if (nr < 0 || nr > BTreeNode.maxEntries(b)) {
      throw new AssertionError("node " + b.blockNr() + ": " + nr + " entries do not fit");
    }
    b.putU32(BTreeNode.OFFSET_NR_ENTRIES, nr);
  }

  static void setKey(WriteBlock b, int index, long key) {
    b.putU64(BTreeNode.keyOffset(index), key);
  }

  static void setChild(WriteBlock b, int index, long child) {
    b.putU64(BTreeNode.valueOffset(b, index), child);
  }

  /**
   * Opens slot {@code index} (shifting the entries from there one up) and stores {@code key} in it;
   * returns the offset where the caller writes the value.
   */
  static int insertAt(WriteBlock b, int index, long key) {
    int nr = BTreeNode.nrEntries(b);
    int max = BTreeNode.maxEntries(b);
    int valueSize = BTreeNode.valueSize(b);
    if (nr >= max || index < 0 || index > nr) {
      throw new AssertionError("node " + b.blockNr() + ": cannot insert at " + index + " of " + nr);
    }
    int moved = nr - index;
    if (moved > 0) {
      int keyBytes = moved * BTreeNode.KEY_BYTES;
      b.move(BTreeNode.keyOffset(index), BTreeNode.keyOffset(index + 1), keyBytes);
      int from = BTreeNode.valueOffset(max, valueSize, index);
      b.move(from, from + valueSize, moved * valueSize);
    }
    setKey(b, index, key);
    setNrEntries(b, nr + 1);
    return BTreeNode.valueOffset(max, valueSize, index);
  }

  static void insertChild(WriteBlock b, int index, long key, long child) {
    b.putU64(insertAt(b, index, key), child);
  }

  /** Removes entries {@code [from, from + count)} and zeroes the slots that become unused. */
  static void deleteRange(WriteBlock b, int from, int count) {
    int nr = BTreeNode.nrEntries(b);
    int max = BTreeNode.maxEntries(b);
    int valueSize = BTreeNode.valueSize(b);
    if (from < 0 || count < 0 || from + count > nr) {
      throw new AssertionError("node " + b.blockNr() + ": cannot delete " + count + " at " + from);
    }
    int moved = nr - from - count;
    if (moved > 0) {
      int keyBytes = moved * BTreeNode.KEY_BYTES;
      b.move(BTreeNode.keyOffset(from + count), BTreeNode.keyOffset(from), keyBytes);
      b.move(
          BTreeNode.valueOffset(max, valueSize, from + count),
          BTreeNode.valueOffset(max, valueSize, from),
          moved * valueSize);
    }
    int newNr = nr - count;
    b.zero(BTreeNode.keyOffset(newNr), count * BTreeNode.KEY_BYTES);
    b.zero(BTreeNode.valueOffset(max, valueSize, newNr), count * valueSize);
    setNrEntries(b, newNr);
  }
}

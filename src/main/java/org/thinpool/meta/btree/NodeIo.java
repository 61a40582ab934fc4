package org.thinpool.meta.btree;

import java.io.IOException;
import org.thinpool.meta.block.BlockImage;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;
import org.thinpool.meta.tx.TransactionManager;

/**
 * Node access for one tree (the kernel's {@code dm_btree_info}): reading with validation, shadowing
 * with inc_children, and allocating nodes of the tree's kinds.
 */
final class NodeIo<V> {
  final TransactionManager tm;
  final ValueType<V> type;
  final int leafValueSize;

  /** Calls of {@link #shadow}, for op-counting tests ({@link BTree#nodesShadowed}). */
  long nodesShadowed;

  NodeIo(TransactionManager tm, ValueType<V> type) {
    this.tm = tm;
    this.type = type;
    this.leafValueSize = type.sizeBytes();
    BTreeNode.maxEntriesFor(leafValueSize); // rejects value sizes no node can hold
  }

  /** Holds node {@code blockNr} for reading after checking it against {@code range}. */
  ReadBlock read(long blockNr, KeyRange range) throws IOException {
    return read(blockNr, range.lowest(), range.limit(), range.bounded());
  }

  /** {@link #read(long, KeyRange)} with the range in its parts (lookups allocate nothing). */
  ReadBlock read(long blockNr, long lowest, long limit, boolean bounded) throws IOException {
    ReadBlock b = tm.read(blockNr, BTreeNode.BLOCK_TYPE);
    try {
      NodeCheck.check(b, leafValueSize, lowest, limit, bounded);
      return b;
    } catch (Throwable t) {
      b.close();
      throw t;
    }
  }

  /** A checked private copy of node {@code blockNr}; nothing stays held. */
  BlockImage readImage(long blockNr, KeyRange range) throws IOException {
    try (ReadBlock b = read(blockNr, range)) {
      return BlockImage.copyOf(b);
    }
  }

  /**
   * Makes node {@code blockNr} writable (spec 8.1). When the original was shared, every child of
   * the copy gets a new reference (inc_children). The caller points the parent at the result.
   */
  WriteBlock shadow(long blockNr, KeyRange range) throws IOException {
    nodesShadowed++;
    TransactionManager.Shadow s = tm.shadow(blockNr, BTreeNode.BLOCK_TYPE);
    WriteBlock b = s.block();
    try {
      NodeCheck.check(b, leafValueSize, range);
      if (s.incChildren()) {
        incChildren(b);
      }
      return b;
    } catch (Throwable t) {
      b.close();
      throw t;
    }
  }

  /** Shadows child {@code index} of {@code parent} and points the parent at the shadow. */
  WriteBlock shadowChild(WriteBlock parent, int index, KeyRange parentRange) throws IOException {
    long blockNr = BTreeNode.child(parent, index);
    if (blockNr == parent.blockNr()) {
      throw NodeCheck.corrupt(parent, "node is its own child " + index);
    }
    WriteBlock b = shadow(blockNr, KeyRange.child(parent, index, parentRange));
    if (b.blockNr() != blockNr) {
      NodeEdit.setChild(parent, index, b.blockNr());
    }
    return b;
  }

  /** A new empty node, zero-filled, with count 1. */
  WriteBlock newNode(int flags) throws IOException {
    WriteBlock b = tm.newBlock(BTreeNode.BLOCK_TYPE);
    int valueSize = flags == BTreeNode.FLAG_LEAF ? leafValueSize : BTreeNode.INTERNAL_VALUE_SIZE;
    NodeEdit.init(b, flags, valueSize);
    return b;
  }

  /** One new reference for everything {@code node} points at: its children or its values. */
  void incChildren(ReadBlock node) throws IOException {
    int nr = BTreeNode.nrEntries(node);
    if (BTreeNode.isInternal(node)) {
      for (int i = 0; i < nr; i++) {
        tm.inc(BTreeNode.child(node, i));
      }
    } else {
      for (int i = 0; i < nr; i++) {
        type.inc(type.decode(node, BTreeNode.valueOffset(node, i)));
      }
    }
  }
}

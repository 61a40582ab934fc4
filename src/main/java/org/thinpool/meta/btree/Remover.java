package org.thinpool.meta.btree;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/**
 * Removal (spec 8.3a, the kernel's dm-btree-remove.c): top-down along a shadow spine. Before the
 * spine enters a child that holds only the minimum number of entries, the child is topped up from
 * its siblings (or merged with them), so that removing one entry below can never leave a node other
 * than the root underfull.
 */
final class Remover<V> {
  private final NodeIo<V> io;
  private final TreeReader<V> reader;

  Remover(NodeIo<V> io, TreeReader<V> reader) {
    this.io = io;
    this.reader = reader;
  }

  BTree.RemoveResult remove(long root, long key) throws IOException {
    // An absent key leaves the tree untouched: no shadowing, no rebalancing.
    if (reader.lookup(root, key) == null) {
      return new BTree.RemoveResult(root, false);
    }
    try (ShadowSpine spine = new ShadowSpine(io, root)) {
      WriteBlock leaf = descendToLeaf(spine, key);
      int i = BTreeNode.lowerBound(leaf, key);
      if (i < 0 || BTreeNode.key(leaf, i) != key) {
        throw new AssertionError("key " + Long.toUnsignedString(key) + " vanished from leaf");
      }
      removeFromLeaf(leaf, i, 1);
      return new BTree.RemoveResult(spine.rootNr(), true);
    }
  }

  /**
   * Removes the keys in {@code [begin, end)}, one leaf at a time: each descent tops the path up,
   * then takes from the leaf as many entries of the range as it can spare.
   */
  BTree.RangeRemoval removeRange(long root, long begin, long end) throws IOException {
    long removed = 0;
    long from = begin;
    while (Long.compareUnsigned(from, end) < 0) {
      OptionalLong first = reader.firstKeyIn(root, from, end);
      if (first.isEmpty()) {
        break;
      }
      long key = first.getAsLong();
      try (ShadowSpine spine = new ShadowSpine(io, root)) {
        WriteBlock leaf = descendToLeaf(spine, key);
        int start = BTreeNode.lowerBound(leaf, key);
        if (start < 0 || BTreeNode.key(leaf, start) != key) {
          throw new AssertionError("key " + Long.toUnsignedString(key) + " vanished from leaf");
        }
        int nr = BTreeNode.nrEntries(leaf);
        int spare = nr;
        if (spine.hasParent()) {
          // At least one, even from an underfull leaf of foreign metadata, so that we progress.
          spare = Math.max(1, nr - BTreeNode.minEntries(BTreeNode.maxEntries(leaf)));
        }
        int stop = start;
        while (stop < nr
            && stop - start < spare
            && Long.compareUnsigned(BTreeNode.key(leaf, stop), end) < 0) {
          stop++;
        }
        long last = BTreeNode.key(leaf, stop - 1);
        removeFromLeaf(leaf, start, stop - start);
        removed += stop - start;
        root = spine.rootNr();
        from = last + 1; // last < end, so this does not wrap
      }
    }
    return new BTree.RangeRemoval(root, removed);
  }

  /** Drops entries {@code [from, from + count)} of a shadowed leaf and their references. */
  private void removeFromLeaf(WriteBlock leaf, int from, int count) throws IOException {
    List<V> dropped = new ArrayList<>(count);
    for (int i = from; i < from + count; i++) {
      dropped.add(io.type.decode(leaf, BTreeNode.valueOffset(leaf, i)));
    }
    NodeEdit.deleteRange(leaf, from, count);
    for (V v : dropped) {
      io.type.dec(v);
    }
  }

  /** Walks the spine down to the leaf that holds {@code key}, which must be present. */
  private WriteBlock descendToLeaf(ShadowSpine spine, long key) throws IOException {
    while (true) {
      WriteBlock node = spine.current();
      if (BTreeNode.isLeaf(node)) {
        return node;
      }
      if (BTreeNode.nrEntries(node) == 1) {
        if (spine.hasParent()) {
          throw NodeCheck.corrupt(node, "internal node below the root with a single child");
        }
        collapseRoot(node);
        continue;
      }
      int i = BTreeNode.lowerBound(node, key);
      if (i < 0) {
        throw NodeCheck.corrupt(
            node, "first key is above key " + Long.toUnsignedString(key) + " that the tree holds");
      }
      topUpChild(node, spine.currentRange(), i);
      spine.descend(BTreeNode.lowerBound(node, key));
    }
  }

  /**
   * An internal root with a single child takes the child's place: the child's content is copied
   * into the root (which keeps its block number) and the child is released. The tree loses a level.
   */
  private void collapseRoot(WriteBlock root) throws IOException {
    long childNr = BTreeNode.child(root, 0);
    if (childNr == root.blockNr()) {
      throw NodeCheck.corrupt(root, "node is its own child");
    }
    byte[] content = new byte[MetadataBlock.SIZE_BYTES];
    try (ReadBlock child = io.read(childNr, KeyRange.child(root, 0, KeyRange.ALL))) {
      child.copyTo(content);
    }
    MetadataBlock.putU64(content, BTreeNode.OFFSET_BLOCKNR, root.blockNr());
    root.copyFrom(content);
    if (io.tm.refCount(childNr) > 1) {
      // The child lives on elsewhere, so the root's copies of its pointers are new references.
      io.incChildren(root);
    }
    io.tm.dec(childNr);
  }

  /**
   * Makes sure child {@code i} of {@code parent} holds more than the minimum number of entries, so
   * that it can lose one: if it does not, it is rebalanced with its right sibling (first child),
   * its left sibling (last child) or both.
   */
  private void topUpChild(WriteBlock parent, KeyRange range, int i) throws IOException {
    KeyRange childRange = KeyRange.child(parent, i, range);
    try (ReadBlock child = io.read(BTreeNode.child(parent, i), childRange)) {
      if (BTreeNode.nrEntries(child) > BTreeNode.minEntries(BTreeNode.maxEntries(child))) {
        return;
      }
    }
    int nr = BTreeNode.nrEntries(parent);
    if (i == 0) {
      Rebalance.children(io, parent, range, 0, 2);
    } else if (i == nr - 1) {
      Rebalance.children(io, parent, range, i - 1, 2);
    } else {
      Rebalance.children(io, parent, range, i - 1, 3);
    }
  }
}

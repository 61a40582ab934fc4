package org.thinpool.meta.btree;

import java.io.IOException;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/**
 * Insertion (spec 8.3, the kernel's btree_insert_raw): top-down along a shadow spine, making room
 * in every full node before entering it, so that a split never has to travel back up.
 */
final class Inserter<V> {
  /**
   * A full node gives entries to a sibling only if the sibling has at least this many free slots
   * (the kernel's SPACE_THRESHOLD); otherwise moving a handful of entries would just make the
   * sibling full in turn.
   */
  private static final int SPACE_THRESHOLD = 8;

  private final NodeIo<V> io;

  Inserter(NodeIo<V> io) {
    this.io = io;
  }

  BTree.InsertResult insert(long root, long key, V value) throws IOException {
    try (ShadowSpine spine = new ShadowSpine(io, root)) {
      while (true) {
        if (!hasSpaceForInsert(spine.current(), key)) {
          if (spine.hasParent()) {
            rebalanceOrSplit(spine, key);
          } else {
            splitBeneath(spine.current());
          }
        }
        WriteBlock node = spine.current();
        int i = BTreeNode.lowerBound(node, key);
        if (BTreeNode.isLeaf(node)) {
          return new BTree.InsertResult(spine.rootNr(), storeInLeaf(node, i, key, value));
        }
        if (i < 0) {
          // The new key is below every key of the subtree: lower the bound of the first child.
          NodeEdit.setKey(node, 0, key);
          i = 0;
        }
        spine.descend(i);
      }
    }
  }

  private static boolean hasSpaceForInsert(ReadBlock node, long key) {
    if (BTreeNode.nrEntries(node) < BTreeNode.maxEntries(node)) {
      return true;
    }
    // Overwriting the value of a key a full leaf already holds needs no room.
    int i = BTreeNode.lowerBound(node, key);
    return BTreeNode.isLeaf(node) && i >= 0 && BTreeNode.key(node, i) == key;
  }

  /** Overwrites or inserts in a leaf with room; true if the key is new. */
  private boolean storeInLeaf(WriteBlock leaf, int i, long key, V value) throws IOException {
    ValueType<V> type = io.type;
    if (i >= 0 && BTreeNode.key(leaf, i) == key) {
      int offset = BTreeNode.valueOffset(leaf, i);
      V old = type.decode(leaf, offset);
      type.encode(leaf, offset, value);
      if (!type.sameValue(old, value)) {
        type.dec(old);
      }
      return false;
    }
    type.encode(leaf, NodeEdit.insertAt(leaf, i + 1, key), value);
    return true;
  }

  /**
   * Splits a full root beneath itself: its entries move into two new children and the root, keeping
   * its block number, becomes an internal node pointing at them.
   */
  private void splitBeneath(WriteBlock root) throws IOException {
    Redistribution.Run run = Redistribution.gather(root);
    int nrLeft = run.size() / 2;
    int flags = BTreeNode.flags(root);
    try (WriteBlock left = io.newNode(flags);
        WriteBlock right = io.newNode(flags)) {
      Redistribution.write(left, run, 0, nrLeft);
      Redistribution.write(right, run, nrLeft, run.size() - nrLeft);
      NodeEdit.init(root, BTreeNode.FLAG_INTERNAL, BTreeNode.INTERNAL_VALUE_SIZE);
      NodeEdit.insertChild(root, 0, run.keys()[0], left.blockNr());
      NodeEdit.insertChild(root, 1, run.keys()[nrLeft], right.blockNr());
    }
  }

  /**
   * Makes room in the full current node (not the root): move entries into an unshared sibling with
   * room, else split it in two, or split it and its left sibling into three when both are full and
   * in the middle of the parent (which keeps sequential inserts from leaving half-empty nodes
   * behind). Leaves the spine on the node that should receive {@code key}.
   */
  private void rebalanceOrSplit(ShadowSpine spine, long key) throws IOException {
    WriteBlock parent = spine.parent();
    int index = spine.parentIndex();
    int nrParent = BTreeNode.nrEntries(parent);
    boolean leftShared = false;
    boolean rightShared = false;
    if (index > 0) {
      long left = BTreeNode.child(parent, index - 1);
      leftShared = io.tm.refCount(left) > 1;
      if (!leftShared && freeSlots(spine, index - 1) >= SPACE_THRESHOLD) {
        balancePair(spine, index - 1);
        spine.reselect(BTreeNode.lowerBound(parent, key));
        return;
      }
    }
    if (index < nrParent - 1) {
      long right = BTreeNode.child(parent, index + 1);
      rightShared = io.tm.refCount(right) > 1;
      if (!rightShared && freeSlots(spine, index + 1) >= SPACE_THRESHOLD) {
        balancePair(spine, index);
        spine.reselect(BTreeNode.lowerBound(parent, key));
        return;
      }
    }
    if (leftShared || rightShared || nrParent <= 2 || index == 0 || index + 1 == nrParent) {
      splitOneIntoTwo(spine);
    } else {
      splitTwoIntoThree(spine);
    }
    spine.reselect(BTreeNode.lowerBound(parent, key));
  }

  private int freeSlots(ShadowSpine spine, int siblingIndex) throws IOException {
    WriteBlock parent = spine.parent();
    KeyRange range = KeyRange.child(parent, siblingIndex, spine.parentRange());
    try (ReadBlock sibling = io.read(BTreeNode.child(parent, siblingIndex), range)) {
      NodeCheck.sameDepth(spine.current(), sibling);
      return BTreeNode.maxEntries(sibling) - BTreeNode.nrEntries(sibling);
    }
  }

  /** Evens out children {@code left} and {@code left + 1} of the spine's parent. */
  private void balancePair(ShadowSpine spine, int left) throws IOException {
    WriteBlock parent = spine.parent();
    try (WriteBlock l = io.shadowChild(parent, left, spine.parentRange());
        WriteBlock r = io.shadowChild(parent, left + 1, spine.parentRange())) {
      int total = BTreeNode.nrEntries(l) + BTreeNode.nrEntries(r);
      Redistribution.spread(new WriteBlock[] {l, r}, new int[] {total / 2, total - total / 2});
      NodeEdit.setKey(parent, left + 1, BTreeNode.key(r, 0));
    }
  }

  private void splitOneIntoTwo(ShadowSpine spine) throws IOException {
    WriteBlock parent = spine.parent();
    WriteBlock node = spine.current();
    int index = spine.parentIndex();
    try (WriteBlock right = io.newNode(BTreeNode.flags(node))) {
      int nr = BTreeNode.nrEntries(node);
      Redistribution.spread(new WriteBlock[] {node, right}, new int[] {nr / 2, nr - nr / 2});
      NodeEdit.insertChild(parent, index + 1, BTreeNode.key(right, 0), right.blockNr());
    }
  }

  /** The current node and its full left sibling become three nodes, each about 2/3 full. */
  private void splitTwoIntoThree(ShadowSpine spine) throws IOException {
    WriteBlock parent = spine.parent();
    WriteBlock right = spine.current();
    int index = spine.parentIndex();
    try (WriteBlock left = io.shadowChild(parent, index - 1, spine.parentRange());
        WriteBlock middle = io.newNode(BTreeNode.flags(right))) {
      NodeCheck.sameDepth(left, right);
      int total = BTreeNode.nrEntries(left) + BTreeNode.nrEntries(right);
      int nrLeft = total / 3;
      int nrMiddle = (total - nrLeft) / 2;
      Redistribution.spread(
          new WriteBlock[] {left, middle, right},
          new int[] {nrLeft, nrMiddle, total - nrLeft - nrMiddle});
      NodeEdit.setKey(parent, index, BTreeNode.key(right, 0));
      NodeEdit.insertChild(parent, index, BTreeNode.key(middle, 0), middle.blockNr());
    }
  }
}

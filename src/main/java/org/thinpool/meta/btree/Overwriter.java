package org.thinpool.meta.btree;

import java.io.IOException;
import org.thinpool.meta.block.WriteBlock;

/**
 * Replaces the value of a key a tree already holds, in one top-down pass (the kernel's
 * btree_get_overwrite_leaf): shadows the path to the key's leaf, and while that leaf is held for
 * writing lets the caller compute the new value from the old one. Nested trees use it to update a
 * subtree and repoint its parent entry without walking the upper tree twice. No node changes size,
 * so nothing is split or rebalanced.
 */
final class Overwriter {
  private Overwriter() {}

  static long overwrite(NodeIo<?> io, long root, long key, BTree.ValueEdit edit)
      throws IOException {
    if (io.leafValueSize != 8) {
      throw new AssertionError(
          "overwriting u64 values in a tree of " + io.leafValueSize + "-byte values");
    }
    try (ShadowSpine spine = new ShadowSpine(io, root)) {
      while (true) {
        WriteBlock node = spine.current();
        int i = BTreeNode.lowerBound(node, key);
        boolean leaf = BTreeNode.isLeaf(node);
        if (i < 0 || (leaf && BTreeNode.key(node, i) != key)) {
          throw new AssertionError(
              "overwrite of key "
                  + Long.toUnsignedString(key)
                  + ", which the tree at "
                  + root
                  + " does not hold");
        }
        if (leaf) {
          int offset = BTreeNode.valueOffset(node, i);
          long old = node.u64(offset);
          long next = edit.apply(old);
          if (next != old) {
            node.putU64(offset, next);
          }
          return spine.rootNr();
        }
        spine.descend(i);
      }
    }
  }
}

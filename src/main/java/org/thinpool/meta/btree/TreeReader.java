package org.thinpool.meta.btree;

import java.io.IOException;
import java.util.OptionalLong;
import org.thinpool.meta.block.BlockImage;
import org.thinpool.meta.block.ReadBlock;

/**
 * Read-only descents and ordered walks. Walks keep an explicit stack of private node copies, so no
 * block is held while callers run, and check every node they reach: kind, key range given by the
 * parent, equal leaf depth, and the depth limit.
 */
final class TreeReader<V> {
  /** Receives the leaves of a walk in key order; returns false to stop. */
  @FunctionalInterface
  interface LeafAction {
    boolean leaf(BlockImage leaf) throws IOException;
  }

  private final NodeIo<V> io;

  TreeReader(NodeIo<V> io) {
    this.io = io;
  }

  /** The value of {@code key}, or null. */
  V lookup(long root, long key) throws IOException {
    try (ReadBlock leaf = leafFor(root, key)) {
      int i = leaf == null ? -1 : BTreeNode.lowerBound(leaf, key);
      boolean found = i >= 0 && BTreeNode.key(leaf, i) == key;
      return found ? io.type.decode(leaf, BTreeNode.valueOffset(leaf, i)) : null;
    }
  }

  /** The raw u64 value of {@code key}, or {@code absent}; allocates nothing. */
  long lookupU64(long root, long key, long absent) throws IOException {
    if (io.leafValueSize != 8) {
      throw new AssertionError("u64 lookup in a tree of " + io.leafValueSize + "-byte values");
    }
    try (ReadBlock leaf = leafFor(root, key)) {
      int i = leaf == null ? -1 : BTreeNode.lowerBound(leaf, key);
      boolean found = i >= 0 && BTreeNode.key(leaf, i) == key;
      return found ? leaf.u64(BTreeNode.valueOffset(leaf, i)) : absent;
    }
  }

  /**
   * The leaf where {@code key} would be, held for reading, or null if the path ends above the
   * leaves (every key of an internal node is larger). The key range is carried in locals, not a
   * {@link KeyRange}, so the descent allocates nothing: it is the read path of every mapped I/O.
   */
  private ReadBlock leafFor(long root, long key) throws IOException {
    long blockNr = root;
    long lowest = 0;
    long limit = 0;
    boolean bounded = false;
    for (int depth = 1; depth <= BTree.MAX_DEPTH; depth++) {
      ReadBlock node = io.read(blockNr, lowest, limit, bounded);
      if (BTreeNode.isLeaf(node)) {
        return node;
      }
      try (node) {
        int i = BTreeNode.lowerBound(node, key);
        if (i < 0) {
          return null;
        }
        lowest = BTreeNode.key(node, i);
        if (i + 1 < BTreeNode.nrEntries(node)) {
          limit = BTreeNode.key(node, i + 1);
          bounded = true;
        }
        blockNr = BTreeNode.child(node, i);
      }
    }
    throw NodeCheck.corrupt(blockNr, "tree deeper than " + BTree.MAX_DEPTH + " levels");
  }

  /** The smallest key {@code k} with {@code from <= k < end}, if any. */
  OptionalLong firstKeyIn(long root, long from, long end) throws IOException {
    long[] found = new long[1];
    boolean[] any = new boolean[1];
    leaves(
        root,
        from,
        end,
        true,
        leaf -> {
          int i = BTreeNode.ceilingIndex(leaf, from);
          if (i < BTreeNode.nrEntries(leaf)) {
            long k = BTreeNode.key(leaf, i);
            any[0] = Long.compareUnsigned(k, end) < 0;
            found[0] = k;
            return false;
          }
          return true;
        });
    return any[0] ? OptionalLong.of(found[0]) : OptionalLong.empty();
  }

  void visit(long root, long begin, long end, EntryVisitor<V> visitor) throws IOException {
    visit(root, begin, end, false, (k, v, shared) -> visitor.visit(k, v));
  }

  /**
   * As {@link #visit}; with {@code trackSharing}, each entry also says whether a node on its path
   * (root and leaf included) has more than one reference, i.e. is shared with another tree.
   */
  void visit(long root, long begin, long end, boolean trackSharing, BTree.SharingVisitor<V> visitor)
      throws IOException {
    if (Long.compareUnsigned(begin, end) >= 0) {
      return;
    }
    ValueType<V> type = io.type;
    walk(
        root,
        begin,
        end,
        true,
        trackSharing,
        (leaf, shared) -> {
          int nr = BTreeNode.nrEntries(leaf);
          for (int i = BTreeNode.ceilingIndex(leaf, begin); i < nr; i++) {
            long k = BTreeNode.key(leaf, i);
            if (Long.compareUnsigned(k, end) >= 0
                || !visitor.visit(k, type.decode(leaf, BTreeNode.valueOffset(leaf, i)), shared)) {
              return false;
            }
          }
          return true;
        });
  }

  long count(long root) throws IOException {
    long[] total = new long[1];
    leaves(
        root,
        0,
        0,
        false,
        leaf -> {
          total[0] += BTreeNode.nrEntries(leaf);
          return true;
        });
    return total[0];
  }

  /**
   * Walks, in key order, the leaves that may hold keys {@code >= begin} (and {@code < end} if
   * {@code bounded}), starting with the leaf where {@code begin} would be.
   */
  void leaves(long root, long begin, long end, boolean bounded, LeafAction action)
      throws IOException {
    walk(root, begin, end, bounded, false, (leaf, shared) -> action.leaf(leaf));
  }

  /** A leaf of a walk and whether a node on its path (itself included) is shared. */
  @FunctionalInterface
  private interface PathAction {
    boolean leaf(BlockImage leaf, boolean pathShared) throws IOException;
  }

  /**
   * {@link #leaves}, telling the action whether the path to each leaf is shared when {@code
   * trackSharing} (a reference count lookup per node reached; none otherwise).
   */
  private void walk(
      long root, long begin, long end, boolean bounded, boolean trackSharing, PathAction action)
      throws IOException {
    WalkFrame[] stack = new WalkFrame[BTree.MAX_DEPTH];
    boolean[] sharedTo = new boolean[BTree.MAX_DEPTH]; // path down to stack[i] shared
    int top = -1;
    int leafDepth = -1;
    long blockNr = root;
    KeyRange range = KeyRange.ALL;
    boolean seeking = true;
    while (true) {
      // Descend from blockNr (at depth top + 2) to the leftmost leaf, or towards begin.
      BlockImage node = io.readImage(blockNr, range);
      boolean shared = (top >= 0 && sharedTo[top]) || (trackSharing && isShared(blockNr));
      while (BTreeNode.isInternal(node)) {
        if (top + 2 == leafDepth) {
          throw NodeCheck.corrupt(node, "internal node at depth " + leafDepth + " of the leaves");
        }
        if (top + 2 >= BTree.MAX_DEPTH) {
          throw NodeCheck.corrupt(node, "tree deeper than " + BTree.MAX_DEPTH + " levels");
        }
        int i = seeking ? Math.max(0, BTreeNode.lowerBound(node, begin)) : 0;
        stack[++top] = new WalkFrame(node, range, i);
        sharedTo[top] = shared;
        range = KeyRange.child(node, i, range);
        blockNr = BTreeNode.child(node, i);
        node = io.readImage(blockNr, range);
        shared = shared || (trackSharing && isShared(blockNr));
      }
      if (leafDepth < 0) {
        leafDepth = top + 2;
      } else if (leafDepth != top + 2) {
        throw NodeCheck.corrupt(node, "leaf at depth " + (top + 2) + ", others at " + leafDepth);
      }
      if (!action.leaf(node, shared)) {
        return;
      }
      // Move to the next child of the deepest ancestor that has one.
      while (top >= 0 && stack[top].index + 1 >= BTreeNode.nrEntries(stack[top].node)) {
        top--;
      }
      if (top < 0) {
        return;
      }
      WalkFrame f = stack[top];
      f.index++;
      if (bounded && Long.compareUnsigned(BTreeNode.key(f.node, f.index), end) >= 0) {
        return;
      }
      blockNr = BTreeNode.child(f.node, f.index);
      range = KeyRange.child(f.node, f.index, f.range);
      seeking = false;
    }
  }

  private boolean isShared(long blockNr) throws IOException {
    return io.tm.refCount(blockNr) > 1;
  }
}

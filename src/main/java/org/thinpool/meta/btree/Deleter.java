package org.thinpool.meta.btree;

import java.io.IOException;
import org.thinpool.meta.block.BlockImage;

/**
 * Drops one reference to a whole tree (the kernel's dm_btree_del), depth first with an explicit
 * stack. A shared node only loses the reference; a node held only by this tree first releases its
 * children (subtrees, or the references of its values) and is then released itself.
 */
final class Deleter<V> {
  private final NodeIo<V> io;

  Deleter(NodeIo<V> io) {
    this.io = io;
  }

  void delete(long root) throws IOException {
    Frame[] stack = new Frame[BTree.MAX_DEPTH];
    int top = -1;
    int leafDepth = -1;
    Frame pushed = enter(root, KeyRange.ALL, 1, leafDepth);
    if (pushed == null) {
      return;
    }
    stack[++top] = pushed;
    while (top >= 0) {
      Frame f = stack[top];
      if (f.node == null) {
        // A leaf: its values were released when it was entered.
        leafDepth = top + 1;
        io.tm.dec(f.blockNr);
        top--;
      } else if (f.next < BTreeNode.nrEntries(f.node)) {
        int i = f.next++;
        if (top + 1 >= BTree.MAX_DEPTH) {
          throw NodeCheck.corrupt(f.node, "tree deeper than " + BTree.MAX_DEPTH + " levels");
        }
        Frame child = enter(BTreeNode.child(f.node, i), KeyRange.child(f.node, i, f.range),
            top + 2, leafDepth);
        if (child != null) {
          stack[++top] = child;
        }
      } else {
        io.tm.dec(f.blockNr);
        top--;
      }
    }
  }

  /**
   * Drops the reference to {@code blockNr} if the node is shared (returns null); otherwise reads
   * it, releases the values of a leaf, and returns a frame to walk.
   */
  private Frame enter(long blockNr, KeyRange range, int depth, int leafDepth) throws IOException {
    long count = io.tm.refCount(blockNr);
    if (count == 0) {
      throw NodeCheck.corrupt(blockNr, "tree references a free block");
    }
    if (count > 1) {
      io.tm.dec(blockNr);
      return null;
    }
    BlockImage node = io.readImage(blockNr, range);
    boolean leaf = BTreeNode.isLeaf(node);
    if (leafDepth > 0 && (depth == leafDepth) != leaf) {
      throw NodeCheck.corrupt(node, (leaf ? "leaf" : "internal node") + " at depth " + depth
          + ", leaves are at depth " + leafDepth);
    }
    if (!leaf) {
      return new Frame(blockNr, node, range);
    }
    for (int i = 0; i < BTreeNode.nrEntries(node); i++) {
      io.type.dec(io.type.decode(node, BTreeNode.valueOffset(node, i)));
    }
    return new Frame(blockNr, null, range);
  }

  /** A node being deleted: an internal node with the index of its next child, or a leaf. */
  private static final class Frame {
    final long blockNr;
    final BlockImage node;
    final KeyRange range;
    int next;

    Frame(long blockNr, BlockImage node, KeyRange range) {
      this.blockNr = blockNr;
      this.node = node;
      this.range = range;
    }
  }
}

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
    // A frame's index is the next child to delete; a leaf's values go when it is entered.
    WalkFrame[] stack = new WalkFrame[BTree.MAX_DEPTH];
    int top = -1;
    int leafDepth = -1;
    WalkFrame pushed = enter(root, KeyRange.ALL, 1, leafDepth);
    if (pushed == null) {
      return;
    }
    stack[++top] = pushed;
    while (top >= 0) {
      WalkFrame f = stack[top];
      if (BTreeNode.isLeaf(f.node)) {
        leafDepth = top + 1;
        io.tm.dec(f.node.blockNr());
        top--;
      } else if (f.index < BTreeNode.nrEntries(f.node)) {
        int i = f.index++;
        if (top + 1 >= BTree.MAX_DEPTH) {
          throw NodeCheck.corrupt(f.node, "tree deeper than " + BTree.MAX_DEPTH + " levels");
        }
        WalkFrame child =
            enter(
                BTreeNode.child(f.node, i), KeyRange.child(f.node, i, f.range), top + 2, leafDepth);
        if (child != null) {
          stack[++top] = child;
        }
      } else {
        io.tm.dec(f.node.blockNr());
        top--;
      }
    }
  }

  /**
   * Drops the reference to {@code blockNr} if the node is shared (returns null); otherwise reads
   * it, releases the values of a leaf, and returns its frame (the node itself goes when popped).
   */
  private WalkFrame enter(long blockNr, KeyRange range, int depth, int leafDepth)
      throws IOException {
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
      throw NodeCheck.corrupt(
          node,
          (leaf ? "leaf" : "internal node")
              + " at depth "
              + depth
              + ", leaves are at depth "
              + leafDepth);
    }
    if (leaf) {
      for (int i = 0; i < BTreeNode.nrEntries(node); i++) {
        io.type.dec(io.type.decode(node, BTreeNode.valueOffset(node, i)));
      }
    }
    return new WalkFrame(node, range, 0);
  }
}

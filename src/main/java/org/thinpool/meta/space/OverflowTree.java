package org.thinpool.meta.space;

import java.io.IOException;
import org.thinpool.meta.btree.BTree;
import org.thinpool.meta.btree.ValueTypes;
import org.thinpool.meta.tx.TransactionManager;

/** The ref-count overflow tree of a space map: block -> u32 count, for counts >= 3. */
final class OverflowTree {
  private final BTree<Long> tree;
  private long root;

  OverflowTree(TransactionManager tm, long root) {
    this.tree = new BTree<>(tm, ValueTypes.u32());
    this.root = root;
  }

  static OverflowTree create(TransactionManager tm) throws IOException {
    OverflowTree t = new OverflowTree(tm, 0);
    t.root = t.tree.createEmpty();
    return t;
  }

  long root() {
    return root;
  }

  void loadInto(Counts counts) throws IOException {
    tree.visit(
        root,
        0,
        Long.MAX_VALUE,
        (block, count) -> {
          counts.loadOverflow(block, count);
          return true;
        });
  }

  /** Writes the changed overflow entries; returns true if anything was written. */
  boolean writeBack(Counts counts) throws IOException {
    if (!counts.hasDirtyOverflow()) {
      return false;
    }
    for (long block : counts.takeDirtyOverflow()) {
      long c = counts.get(block);
      if (c >= 3) {
        root = tree.insert(root, block, c).root();
      } else {
        root = tree.remove(root, block).root();
      }
    }
    return true;
  }
}

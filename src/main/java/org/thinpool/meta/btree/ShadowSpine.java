package org.thinpool.meta.btree;

import java.io.IOException;
import org.thinpool.meta.block.WriteBlock;

/**
 * The path of a top-down update (the kernel's shadow spine): the current node and its parent, both
 * shadowed and held for writing. Stepping down shadows the child, points the parent at the shadow
 * and releases the grandparent, so at most two nodes of the path are held at a time.
 */
final class ShadowSpine implements AutoCloseable {
  private final NodeIo<?> io;
  private final long rootNr;
  private WriteBlock parent;
  private KeyRange parentRange;
  private int parentIndex = -1;
  private WriteBlock current;
  private KeyRange currentRange;
  private int depth;

  /** Shadows the root; {@link #rootNr} is where the tree lives from now on. */
  ShadowSpine(NodeIo<?> io, long root) throws IOException {
    this.io = io;
    this.current = io.shadow(root, KeyRange.ALL);
    this.currentRange = KeyRange.ALL;
    this.rootNr = current.blockNr();
    this.depth = 1;
  }

  long rootNr() {
    return rootNr;
  }

  WriteBlock current() {
    return current;
  }

  KeyRange currentRange() {
    return currentRange;
  }

  boolean hasParent() {
    return parent != null;
  }

  WriteBlock parent() {
    return parent;
  }

  KeyRange parentRange() {
    return parentRange;
  }

  int parentIndex() {
    return parentIndex;
  }

  /** Steps into child {@code index} of the current node. */
  void descend(int index) throws IOException {
    if (depth >= BTree.MAX_DEPTH) {
      throw NodeCheck.corrupt(current, "tree deeper than " + BTree.MAX_DEPTH + " levels");
    }
    WriteBlock child = io.shadowChild(current, index, currentRange);
    if (parent != null) {
      parent.close();
    }
    parent = current;
    parentRange = currentRange;
    parentIndex = index;
    current = child;
    currentRange = KeyRange.child(parent, index, parentRange);
    depth++;
  }

  /** Makes child {@code index} of the parent the current node (after the parent changed). */
  void reselect(int index) throws IOException {
    WriteBlock child = io.shadowChild(parent, index, parentRange);
    current.close();
    current = child;
    parentIndex = index;
    currentRange = KeyRange.child(parent, index, parentRange);
  }

  @Override
  public void close() {
    if (current != null) {
      current.close();
      current = null;
    }
    if (parent != null) {
      parent.close();
      parent = null;
    }
  }
}

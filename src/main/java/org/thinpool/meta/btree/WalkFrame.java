package org.thinpool.meta.btree;

import org.thinpool.meta.block.BlockImage;

/**
 * A node on the explicit stack of a walk (reads, deletion): a private copy of the node, the key
 * range its parent gives it, and the child index the walk is at. Walks bound their stacks by {@link
 * BTree#MAX_DEPTH} instead of recursing.
 */
final class WalkFrame {
  final BlockImage node;
  final KeyRange range;
  int index;

  WalkFrame(BlockImage node, KeyRange range, int index) {
    this.node = node;
    this.range = range;
    this.index = index;
  }
}

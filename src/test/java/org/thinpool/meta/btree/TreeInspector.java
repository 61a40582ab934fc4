package org.thinpool.meta.btree;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.thinpool.meta.block.BlockImage;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.meta.block.ReadBlock;

/**
 * An independent checker for trees written by {@link BTree}: decodes raw node bytes with {@link
 * BTreeNode} and verifies the structure thin_check demands (spec 3), and recomputes reference
 * counts from reachability (spec 7.1 for nodes, 7.2 for values) to compare with the space maps.
 */
final class TreeInspector {
  private final BlockManager bm;
  private final int leafValueSize;

  TreeInspector(BlockManager bm, int leafValueSize) {
    this.bm = bm;
    this.leafValueSize = leafValueSize;
  }

  /** Expected counts: per metadata block (spec 7.1) and per leaf value (spec 7.2). */
  static final class Census {
    final Map<Long, Long> blocks = new HashMap<>();
    final Map<Long, Long> values = new HashMap<>();
  }

  private record Visit(long blockNr, long lowest, long limit, boolean bounded, int depth) {}

  /** Checks every path of the tree at {@code root}; returns its depth (1 = a single leaf). */
  int checkStructure(long root) throws IOException {
    Deque<Visit> stack = new ArrayDeque<>();
    stack.push(new Visit(root, 0, 0, false, 1));
    int leafDepth = -1;
    while (!stack.isEmpty()) {
      Visit v = stack.pop();
      byte[] raw = bm.readRaw(v.blockNr);
      ReadBlock n = BlockImage.wrap(v.blockNr, BTreeNode.BLOCK_TYPE, raw);
      String where = "node " + v.blockNr + " at depth " + v.depth + ": ";
      checkHeader(raw, n, v, where);
      int nr = BTreeNode.nrEntries(n);
      for (int i = 0; i < nr; i++) {
        long k = BTreeNode.key(n, i);
        if (i > 0 && Long.compareUnsigned(BTreeNode.key(n, i - 1), k) >= 0) {
          fail(where + "keys not strictly ascending at " + i);
        }
        if (Long.compareUnsigned(k, v.lowest) < 0
            || (v.bounded && Long.compareUnsigned(k, v.limit) >= 0)) {
          fail(where + "key " + Long.toUnsignedString(k) + " outside the parent's range");
        }
      }
      if (BTreeNode.isLeaf(n)) {
        if (leafDepth < 0) {
          leafDepth = v.depth;
        } else if (leafDepth != v.depth) {
          fail(where + "leaf, but other leaves are at depth " + leafDepth);
        }
        continue;
      }
      if (v.depth >= BTree.MAX_DEPTH) {
        fail(where + "too deep");
      }
      for (int i = nr - 1; i >= 0; i--) {
        boolean bounded = i + 1 < nr || v.bounded;
        long limit = i + 1 < nr ? BTreeNode.key(n, i + 1) : v.limit;
        stack.push(
            new Visit(BTreeNode.child(n, i), BTreeNode.key(n, i), limit, bounded, v.depth + 1));
      }
    }
    return leafDepth;
  }

  private void checkHeader(byte[] raw, ReadBlock n, Visit v, String where) {
    boolean root = v.depth == 1;
    if (n.u64(BTreeNode.OFFSET_BLOCKNR) != v.blockNr) {
      fail(where + "blocknr field is " + n.u64(BTreeNode.OFFSET_BLOCKNR));
    }
    int flags = BTreeNode.flags(n);
    int vs = BTreeNode.valueSize(n);
    int max = BTreeNode.maxEntries(n);
    int nr = BTreeNode.nrEntries(n);
    if (flags == BTreeNode.FLAG_INTERNAL) {
      if (vs != 8 || max != 252) {
        fail(where + "internal node with value size " + vs + ", max " + max);
      }
      if (nr == 0) {
        fail(where + "empty internal node");
      }
    } else if (flags == BTreeNode.FLAG_LEAF) {
      if (vs != leafValueSize || max != BTreeNode.maxEntriesFor(leafValueSize)) {
        fail(where + "leaf with value size " + vs + ", max " + max);
      }
    } else {
      fail(where + "flags " + flags);
    }
    if (n.u32(28) != 0) {
      fail(where + "padding not zero");
    }
    if (nr > max) {
      fail(where + nr + " entries > max " + max);
    }
    if (!root && nr < max / 3) {
      fail(where + "too few entries: " + nr + ", expected at least " + max / 3);
    }
    int keysEnd = BTreeNode.keyOffset(max);
    for (int off = BTreeNode.keyOffset(nr); off < keysEnd; off++) {
      if (raw[off] != 0) {
        fail(where + "unused key slot not zero at offset " + off);
      }
    }
    for (int off = BTreeNode.valueOffset(max, vs, nr); off < raw.length; off++) {
      if (raw[off] != 0) {
        fail(where + "unused value space not zero at offset " + off);
      }
    }
  }

  /**
   * Reference counts the roots imply: each element of {@code rootRefs} is one pointer to a root
   * from outside (a superblock field, a top-level leaf value); a node reached again is not walked
   * again (spec 7.1). With {@code countValues}, every (distinct leaf, entry) counts one reference
   * to its value (spec 7.2).
   */
  Census census(List<Long> rootRefs, boolean countValues) throws IOException {
    Census c = new Census();
    Set<Long> walked = new HashSet<>();
    Deque<Long> todo = new ArrayDeque<>();
    for (long r : rootRefs) {
      c.blocks.merge(r, 1L, Long::sum);
      todo.push(r);
    }
    while (!todo.isEmpty()) {
      long b = todo.pop();
      if (!walked.add(b)) {
        continue;
      }
      ReadBlock n = BlockImage.wrap(b, BTreeNode.BLOCK_TYPE, bm.readRaw(b));
      int nr = BTreeNode.nrEntries(n);
      for (int i = 0; i < nr; i++) {
        if (BTreeNode.isInternal(n)) {
          long child = BTreeNode.child(n, i);
          c.blocks.merge(child, 1L, Long::sum);
          todo.push(child);
        } else if (countValues) {
          int off = BTreeNode.valueOffset(n, i);
          long v = leafValueSize == 4 ? n.u32(off) : n.u64(off);
          c.values.merge(v, 1L, Long::sum);
        }
      }
    }
    return c;
  }

  /** Blocks whose count in {@code sm} differs from {@code expected} (block 0 must be 1). */
  static List<String> countMismatches(TestSpaceMap sm, Map<Long, Long> expected) {
    List<String> bad = new ArrayList<>();
    if (sm.refCount(0) != 1) {
      bad.add("block 0: count " + sm.refCount(0));
    }
    for (long b = 1; b < sm.nrBlocks(); b++) {
      long want = expected.getOrDefault(b, 0L);
      long got = sm.refCount(b);
      if (want != got) {
        bad.add("block " + b + ": expected " + want + ", got " + got);
      }
      if (bad.size() > 20) {
        break;
      }
    }
    return bad;
  }
}

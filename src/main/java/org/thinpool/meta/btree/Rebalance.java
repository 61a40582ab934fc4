package org.thinpool.meta.btree;

import java.io.IOException;
import org.thinpool.meta.block.WriteBlock;

/**
 * Rebalancing of two or three adjacent children before a removal descends into one of them (spec
 * 8.3a). With {@code t = max_entries / 3}, every child that survives holds at least {@code t + 1}
 * entries afterwards (given siblings that held at least {@code t}), so it can lose one.
 *
 * <ul>
 *   <li>two children: merge them if they hold fewer than {@code 2t + 2} entries, otherwise split
 *       the entries evenly. (The bound {@code 2t + 1} of the spec and of older kernels is one too
 *       low: 2t + 1 entries split as t and t + 1, and a removal from the first leaves it underfull;
 *       later kernels use {@code 2t + 2} as well.)
 *   <li>three children: if they hold fewer than {@code 4t + 1}, dissolve the middle one into its
 *       neighbours and treat those as two; otherwise spread evenly (right gets total / 3, left one
 *       more when the total is not divisible by 3, the middle the rest).
 * </ul>
 *
 * Every child involved is shadowed first (inc_children if it was shared); an emptied child is
 * removed from the parent and released: its entries, and the references they hold, now belong to a
 * neighbour.
 */
final class Rebalance {
  private Rebalance() {}

  /** Rebalances children {@code first .. first + count - 1} of {@code parent}. */
  static void children(NodeIo<?> io, WriteBlock parent, KeyRange range, int first, int count)
      throws IOException {
    WriteBlock[] nodes = new WriteBlock[count];
    long[] emptied = new long[count];
    int nrEmptied = 0;
    try {
      for (int k = 0; k < count; k++) {
        nodes[k] = io.shadowChild(parent, first + k, range);
        if (k > 0) {
          NodeCheck.sameDepth(nodes[0], nodes[k]);
        }
      }
      int total = 0;
      for (WriteBlock n : nodes) {
        total += BTreeNode.nrEntries(n);
      }
      int t = BTreeNode.minEntries(BTreeNode.maxEntries(nodes[0]));
      int[] targets = count == 2 ? twoTargets(total, t) : threeTargets(total, t);
      Redistribution.spread(nodes, targets);
      for (int k = count - 1; k > 0; k--) {
        if (targets[k] == 0) {
          NodeEdit.deleteRange(parent, first + k, 1);
          emptied[nrEmptied++] = nodes[k].blockNr();
        } else {
          NodeEdit.setKey(parent, first + k, BTreeNode.key(nodes[k], 0));
        }
      }
    } finally {
      for (WriteBlock n : nodes) {
        if (n != null) {
          n.close();
        }
      }
    }
    // Released only once no longer held: a freed block may be handed out again at once.
    for (int k = 0; k < nrEmptied; k++) {
      io.tm.dec(emptied[k]);
    }
  }

  static int[] twoTargets(int total, int t) {
    if (total < 2 * t + 2) {
      return new int[] {total, 0};
    }
    return new int[] {total / 2, total - total / 2};
  }

  static int[] threeTargets(int total, int t) {
    if (total < 4 * t + 1) {
      int[] two = twoTargets(total, t);
      return new int[] {two[0], 0, two[1]};
    }
    int right = total / 3;
    int left = right + (total % 3 != 0 ? 1 : 0);
    return new int[] {left, total - left - right, right};
  }
}

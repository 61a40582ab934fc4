package org.thinpool.meta.btree;

import java.util.Arrays;
import org.thinpool.io.MetadataCorruptException;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/**
 * Moves entries between sibling nodes of one level (splits, merges, rebalancing). Entries keep
 * their order; their bytes move unchanged, so no reference count changes: every node involved is
 * private to the transaction, and a child or value referenced by one of them is referenced by
 * exactly one of them afterwards.
 */
final class Redistribution {
  private Redistribution() {}

  /** The entries of consecutive siblings, in key order. */
  record Run(long[] keys, byte[] values, int valueSize) {
    int size() {
      return keys.length;
    }
  }

  /** Collects the entries of {@code nodes}, which must be siblings in left-to-right order. */
  static Run gather(ReadBlock... nodes) throws MetadataCorruptException {
    int valueSize = BTreeNode.valueSize(nodes[0]);
    int total = 0;
    for (ReadBlock n : nodes) {
      if (BTreeNode.valueSize(n) != valueSize || BTreeNode.flags(n) != BTreeNode.flags(nodes[0])) {
        throw NodeCheck.corrupt(n, "sibling of node " + nodes[0].blockNr() + " has another kind");
      }
      total += BTreeNode.nrEntries(n);
    }
    long[] keys = new long[total];
    byte[] values = new byte[total * valueSize];
    byte[] buf = new byte[MetadataBlock.SIZE_BYTES];
    int at = 0;
    for (ReadBlock n : nodes) {
      int nr = BTreeNode.nrEntries(n);
      n.copyTo(buf);
      for (int i = 0; i < nr; i++) {
        keys[at + i] = BTreeNode.key(n, i);
        if (at + i > 0 && Long.compareUnsigned(keys[at + i - 1], keys[at + i]) >= 0) {
          throw NodeCheck.corrupt(n, "keys overlap those of its left sibling");
        }
      }
      System.arraycopy(buf, BTreeNode.valueOffset(n, 0), values, at * valueSize, nr * valueSize);
      at += nr;
    }
    return new Run(keys, values, valueSize);
  }

  /** Spreads the entries of {@code nodes} so that node {@code k} holds {@code targets[k]}. */
  static void spread(WriteBlock[] nodes, int[] targets) throws MetadataCorruptException {
    Run run = gather(nodes);
    if (Arrays.stream(targets).sum() != run.size()) {
      throw new AssertionError("targets " + Arrays.toString(targets) + " for " + run.size());
    }
    int at = 0;
    for (int k = 0; k < nodes.length; k++) {
      write(nodes[k], run, at, targets[k]);
      at += targets[k];
    }
  }

  /**
   * Makes {@code node} hold exactly entries {@code [from, from + count)} of {@code run}; its header
   * keeps its kind and block number, unused slots become zero.
   */
  static void write(WriteBlock node, Run run, int from, int count) {
    int max = BTreeNode.maxEntries(node);
    if (BTreeNode.valueSize(node) != run.valueSize() || count > max || count < 0) {
      throw new AssertionError("node " + node.blockNr() + " cannot take " + count + " entries");
    }
    byte[] buf = new byte[MetadataBlock.SIZE_BYTES];
    node.copyTo(buf);
    Arrays.fill(buf, BTreeNode.HEADER_BYTES, MetadataBlock.SIZE_BYTES, (byte) 0);
    for (int i = 0; i < count; i++) {
      MetadataBlock.putU64(buf, BTreeNode.keyOffset(i), run.keys()[from + i]);
    }
    int vs = run.valueSize();
    System.arraycopy(run.values(), from * vs, buf, BTreeNode.valueOffset(max, vs, 0), count * vs);
    MetadataBlock.putU32(buf, BTreeNode.OFFSET_NR_ENTRIES, count);
    node.copyFrom(buf);
  }
}

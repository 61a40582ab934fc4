package org.thinpool.meta.btree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.thinpool.io.MetadataCorruptException;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/** Nodes that do not fit where the tree finds them raise MetadataCorruptException naming them. */
class CorruptionTest {
  /** A two-level tree of keys 0, 2, 4, ... with 8-byte values; all in the open transaction. */
  private static ModelHarness twoLevels() throws IOException {
    ModelHarness h = new ModelHarness(8);
    for (int i = 0; i < 2000; i++) {
      h.insert(2L * i);
    }
    assertThat(h.depth()).isEqualTo(2);
    return h;
  }

  private static long child(ModelHarness h, int i) throws IOException {
    try (ReadBlock root = h.pool.tm.read(h.root, BTreeNode.BLOCK_TYPE)) {
      return BTreeNode.child(root, i);
    }
  }

  private static long key(ModelHarness h, long node, int i) throws IOException {
    try (ReadBlock n = h.pool.tm.read(node, BTreeNode.BLOCK_TYPE)) {
      return BTreeNode.key(n, i);
    }
  }

  /** Edits the root in place (it was created in this transaction, so shadowing keeps it). */
  private static WriteBlock editRoot(ModelHarness h) throws IOException {
    WriteBlock root = h.pool.tm.shadow(h.root, BTreeNode.BLOCK_TYPE).block();
    assertThat(root.blockNr()).isEqualTo(h.root);
    return root;
  }

  private static void assertCorrupt(ThrowingCall call, long blockNr, String reason) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            MetadataCorruptException.class, e -> assertThat(e.blockNr()).isEqualTo(blockNr))
        .hasMessageContaining(reason);
  }

  @FunctionalInterface
  private interface ThrowingCall {
    void run() throws Exception;
  }

  @Test
  void childOfAnotherValueSizeIsCorrupt() throws IOException {
    try (ModelHarness h = twoLevels()) {
      BTree<Long> wide = new BTree<>(h.pool.tm, new CountedValueType(24));
      long first = key(h, child(h, 1), 0);
      long alien = wide.createEmpty();
      alien = wide.insert(alien, first + 1, 1L).root();
      try (WriteBlock root = editRoot(h)) {
        NodeEdit.setChild(root, 1, alien);
      }
      long k = first + 1;
      assertCorrupt(() -> h.tree.lookup(h.root, k), alien, "value size 24");
      assertCorrupt(() -> h.tree.count(h.root), alien, "value size 24");
      assertCorrupt(() -> h.tree.visit(h.root, 0, -1L, (x, v) -> true), alien, "value size");
      assertCorrupt(() -> h.tree.insert(h.root, k, 5L), alien, "value size");
    }
  }

  @Test
  void keysOutsideTheParentsRangeAreCorrupt() throws IOException {
    try (ModelHarness h = twoLevels()) {
      long second = child(h, 1);
      long first = key(h, second, 0);
      long last = key(h, second, 10);
      try (WriteBlock root = editRoot(h)) {
        NodeEdit.setKey(root, 1, first + 1);
      }
      assertCorrupt(() -> h.tree.lookup(h.root, last), second, "outside the range");
      assertCorrupt(() -> h.tree.visit(h.root, 0, -1L, (x, v) -> true), second, "range");
      assertCorrupt(() -> h.tree.remove(h.root, last), second, "range");
      assertCorrupt(() -> h.tree.delete(h.root), second, "range");
    }
  }

  @Test
  void aNodeThatIsItsOwnChildIsCorrupt() throws IOException {
    try (ModelHarness h = twoLevels()) {
      try (WriteBlock root = editRoot(h)) {
        NodeEdit.setChild(root, 0, h.root);
      }
      assertCorrupt(() -> h.tree.lookup(h.root, 0), h.root, "outside the range");
      assertCorrupt(() -> h.tree.insert(h.root, 1, 1L), h.root, "own child");
    }
  }

  @Test
  void leavesAtDifferentDepthsAreCorrupt() throws IOException {
    try (ModelHarness h = new ModelHarness(8)) {
      for (int i = 0; i < 100_000; i++) {
        h.insert(2L * i);
      }
      assertThat(h.depth()).isEqualTo(3);
      long secondSubtree = child(h, 1);
      long lowest = key(h, secondSubtree, 0);
      BTree<Long> other = new BTree<>(h.pool.tm, ValueTypes.u64());
      long leaf = other.insert(other.createEmpty(), lowest + 1, 7L).root();
      try (WriteBlock root = editRoot(h)) {
        NodeEdit.setChild(root, 1, leaf);
      }
      assertCorrupt(() -> h.tree.count(h.root), leaf, "leaf at depth 2");
      assertCorrupt(() -> h.tree.visit(h.root, 0, -1L, (x, v) -> true), leaf, "depth");
      assertCorrupt(() -> h.tree.delete(h.root), leaf, "depth");
    }
  }

  @Test
  void pointersToGarbageOrBeyondTheDeviceAreCorrupt() throws IOException {
    try (ModelHarness h = twoLevels()) {
      long unused = 16_000;
      long inSecond = key(h, h.root, 1);
      try (WriteBlock root = editRoot(h)) {
        NodeEdit.setChild(root, 0, unused);
        NodeEdit.setChild(root, 1, 1L << 40);
      }
      assertCorrupt(() -> h.tree.lookup(h.root, 0), unused, "checksum");
      assertCorrupt(() -> h.tree.lookup(h.root, inSecond), 1L << 40, "beyond");
    }
  }

  @Test
  void absentKeysLeaveTheTreeUntouched() throws IOException {
    try (ModelHarness h = twoLevels()) {
      h.pool.commit();
      long allocated = h.pool.sm.nrAllocated();
      assertThat(h.tree.remove(h.root, 1).removed()).isFalse();
      assertThat(h.tree.removeRange(h.root, 4001, 1L << 40).removedCount()).isZero();
      assertThat(h.pool.sm.nrAllocated()).isEqualTo(allocated);
      assertThat(h.pool.tm.isShadowed(h.root)).isFalse();
    }
  }
}

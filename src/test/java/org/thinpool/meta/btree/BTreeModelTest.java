package org.thinpool.meta.btree;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.thinpool.meta.block.ReadBlock;

/**
 * Random and sequential workloads against a TreeMap model, checking after every batch the contents,
 * the structure thin_check demands and every reference count (metadata and values).
 */
class BTreeModelTest {
  static Stream<Arguments> sizesAndSeeds() {
    List<Arguments> out = new ArrayList<>();
    for (int size : new int[] {4, 8, 16, 24}) {
      for (long seed = 1; seed <= 3; seed++) {
        out.add(Arguments.of(size, seed));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "value size {0}, seed {1}")
  @MethodSource("sizesAndSeeds")
  void randomInsertsRemovesAndRangesMatchTheModel(int valueSize, long seed) throws IOException {
    Random rnd = new Random(seed);
    try (ModelHarness h = new ModelHarness(valueSize)) {
      int keySpace = 8_000;
      for (int batch = 0; batch < 40; batch++) {
        // Phases that grow, then shrink the tree, so that every level splits and merges.
        int growth = batch % 10 < 6 ? 3 : 1;
        for (int op = 0; op < 400; op++) {
          int dice = rnd.nextInt(4 + growth);
          long key = rnd.nextInt(keySpace);
          if (dice < growth + 2) {
            h.insert(key);
          } else if (dice < growth + 3) {
            h.remove(rnd.nextBoolean() ? key : h.randomKey(rnd));
          } else if (rnd.nextInt(8) == 0) {
            h.removeRange(key, key + rnd.nextInt(600));
          } else {
            h.remove(key);
          }
        }
        h.verify(rnd);
        if (rnd.nextInt(3) == 0) {
          h.pool.commit();
        }
      }
    }
  }

  @ParameterizedTest(name = "descending = {0}")
  @ValueSource(booleans = {false, true})
  void hundredThousandSequentialKeysThenRandomRemoval(boolean descending) throws IOException {
    Random rnd = new Random(42);
    try (ModelHarness h = new ModelHarness(8)) {
      int n = 100_000;
      for (int i = 0; i < n; i++) {
        h.insert(descending ? n - 1 - i : i);
        if (i % 20_000 == 19_999) {
          h.verify(rnd);
          h.pool.commit();
        }
      }
      assertThat(h.depth()).isEqualTo(3);
      List<Long> keys = new ArrayList<>(h.model.keySet());
      Collections.shuffle(keys, rnd);
      for (int i = 0; i < keys.size(); i++) {
        h.remove(keys.get(i));
        if (i % 20_000 == 0) {
          h.verify(rnd);
          h.pool.commit();
        }
      }
      h.verify(rnd);
      assertThat(h.depth()).isEqualTo(1);
      h.tree.delete(h.root);
      assertThat(h.pool.sm.nrAllocated()).isEqualTo(1);
    }
  }

  @Test
  void hundredThousandRandomKeysRemovedByRanges() throws IOException {
    Random rnd = new Random(7);
    try (ModelHarness h = new ModelHarness(8)) {
      for (int i = 0; i < 100_000; i++) {
        h.insert(rnd.nextLong());
        if (i % 25_000 == 24_999) {
          h.verify(rnd);
          h.pool.commit();
        }
      }
      assertThat(h.depth()).isEqualTo(3);
      long step = Long.divideUnsigned(-1L, 50);
      for (int i = 0; i < 50; i++) {
        long begin = step * i + rnd.nextInt(1000);
        long end = begin + step / 2 + rnd.nextInt(1 << 20);
        h.removeRange(begin, end);
        if (i % 10 == 0) {
          h.verify(rnd);
          h.pool.commit();
        }
      }
      h.verify(rnd);
      h.removeRange(0, -1L);
      h.verify(rnd);
      assertThat(h.model).hasSizeLessThanOrEqualTo(1);
    }
  }

  @Test
  void rangeRemovalOfEverythingLeavesAnEmptyLeafAndNoGarbage() throws IOException {
    Random rnd = new Random(3);
    try (ModelHarness h = new ModelHarness(24)) {
      for (int i = 0; i < 30_000; i++) {
        h.insert(i * 3L);
      }
      h.pool.commit();
      h.removeRange(0, Long.MAX_VALUE);
      h.verify(rnd);
      assertThat(h.depth()).isEqualTo(1);
      assertThat(h.tree.count(h.root)).isZero();
      // The root, plus the blocks freed in this transaction that were committed before.
      h.pool.commit();
      assertThat(h.pool.sm.nrAllocated()).isEqualTo(2);
    }
  }

  @Test
  void overwritingAKeyDecsTheOldValueOnlyWhenItChanges() throws IOException {
    try (ModelHarness h = new ModelHarness(8)) {
      for (int i = 0; i < 1000; i++) {
        h.insert(i);
      }
      long v = h.model.get(500L);
      BTree.InsertResult same = h.tree.insert(h.root, 500, v);
      assertThat(same.added()).isFalse();
      assertThat(h.type.refs).containsEntry(v, 1L);
      h.insert(500);
      assertThat(h.type.refs).doesNotContainKey(v);
      h.verify(new Random(1));
    }
  }

  @Test
  void keysAboveTwoToTheSixtyThreeSortUnsigned() throws IOException {
    Random rnd = new Random(11);
    try (ModelHarness h = new ModelHarness(16)) {
      for (int i = 0; i < 5000; i++) {
        h.insert(rnd.nextBoolean() ? -1L - rnd.nextInt(100_000) : rnd.nextInt(100_000));
      }
      h.insert(-1L);
      h.insert(0);
      h.verify(rnd);
      h.removeRange(Long.MIN_VALUE, -1L);
      h.verify(rnd);
      assertThat(h.tree.lookup(h.root, -1L)).isNotNull();
    }
  }

  /** Entries of the leaf that holds {@code key}. */
  private static int leafEntries(ModelHarness h, long key) throws IOException {
    long node = h.root;
    while (true) {
      try (ReadBlock b = h.pool.tm.read(node, BTreeNode.BLOCK_TYPE)) {
        if (BTreeNode.isLeaf(b)) {
          return BTreeNode.nrEntries(b);
        }
        node = BTreeNode.child(b, Math.max(0, BTreeNode.lowerBound(b, key)));
      }
    }
  }

  @Test
  void changesToACommittedTreeCopyOnlyThePath() throws IOException {
    Random rnd = new Random(12);
    try (ModelHarness h = new ModelHarness(8)) {
      for (int i = 0; i < 30_000; i++) {
        h.insert(rnd.nextInt(1 << 30));
      }
      h.pool.commit();
      int depth = h.depth();
      long oldRoot = h.root;
      long allocations = h.pool.sm.allocations;
      long allocated = h.pool.sm.nrAllocated();
      h.insert(h.randomKey(rnd)); // an overwrite never splits
      assertThat(h.pool.sm.allocations - allocations).isEqualTo(depth);
      assertThat(h.pool.sm.nrAllocated()).isEqualTo(allocated);
      assertThat(h.pool.sm.refCount(oldRoot)).isZero();
      h.pool.commit();
      long key = h.randomKey(rnd);
      while (leafEntries(h, key) <= 84) {
        key = h.randomKey(rnd);
      }
      allocations = h.pool.sm.allocations;
      h.remove(key); // the leaf can spare an entry: no sibling is touched
      assertThat(h.pool.sm.allocations - allocations).isEqualTo(depth);
      h.verify(rnd);
    }
  }
}

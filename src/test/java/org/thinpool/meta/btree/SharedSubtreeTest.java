package org.thinpool.meta.btree;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.thinpool.meta.block.ReadBlock;

/**
 * Snapshots: a second reference to a root (as create_snap makes), then changes through one of the
 * references. The other tree must not change, node counts must follow spec 7.1, value counts spec
 * 7.2, and deleting both trees must free every block and every value.
 */
class SharedSubtreeTest {
  private static final int KEYS = 20_000;

  /** Trees sharing one pool and one counted value type, each with its own model. */
  private static final class Forest implements AutoCloseable {
    final ModelHarness h = new ModelHarness(8);
    final List<Long> roots = new ArrayList<>();
    final List<TreeMap<Long, Long>> models = new ArrayList<>();

    Forest() throws IOException {}

    int add(long root, TreeMap<Long, Long> model) {
      roots.add(root);
      models.add(model);
      return roots.size() - 1;
    }

    /** A snapshot of tree {@code t}: the same root, one more reference. */
    int snapshot(int t) throws IOException {
      h.pool.tm.inc(roots.get(t));
      TreeMap<Long, Long> copy = new TreeMap<>(Long::compareUnsigned);
      copy.putAll(models.get(t));
      return add(roots.get(t), copy);
    }

    /** Runs {@code ops} random changes on tree {@code t} through the harness. */
    void mutate(int t, Random rnd, int ops) throws IOException {
      h.root = roots.get(t);
      h.model.clear();
      h.model.putAll(models.get(t));
      for (int i = 0; i < ops; i++) {
        long key = rnd.nextInt(KEYS * 2);
        switch (rnd.nextInt(6)) {
          case 0, 1, 2 -> h.insert(key);
          case 3, 4 -> h.remove(h.randomKey(rnd));
          default -> h.removeRange(key, key + rnd.nextInt(300));
        }
      }
      roots.set(t, h.root);
      models.get(t).clear();
      models.get(t).putAll(h.model);
    }

    void delete(int t) throws IOException {
      h.tree.delete(roots.get(t));
      roots.set(t, null);
    }

    void verify() throws IOException {
      List<Long> live = new ArrayList<>();
      for (int t = 0; t < roots.size(); t++) {
        Long root = roots.get(t);
        if (root == null) {
          continue;
        }
        live.add(root);
        assertThat(ModelHarness.entries(h.tree, root))
            .as("tree %d", t)
            .isEqualTo(new ArrayList<>(models.get(t).entrySet()));
        h.inspector.checkStructure(root);
      }
      TreeInspector.Census c = h.inspector.census(live, true);
      assertThat(TreeInspector.countMismatches(h.pool.sm, c.blocks)).isEmpty();
      assertThat(h.type.refs).isEqualTo(c.values);
    }

    @Override
    public void close() throws IOException {
      h.close();
    }
  }

  private static Forest forestWithOneTree(Random rnd) throws IOException {
    Forest f = new Forest();
    for (int i = 0; i < KEYS; i++) {
      f.h.insert(rnd.nextInt(KEYS * 2));
    }
    TreeMap<Long, Long> model = new TreeMap<>(Long::compareUnsigned);
    model.putAll(f.h.model);
    f.add(f.h.root, model);
    return f;
  }

  @ParameterizedTest(name = "commit before the change = {0}")
  @ValueSource(booleans = {false, true})
  void changingOneCopyLeavesTheOtherAlone(boolean commitFirst) throws IOException {
    Random rnd = new Random(5);
    try (Forest f = forestWithOneTree(rnd)) {
      f.h.pool.commit();
      int snap = f.snapshot(0);
      if (commitFirst) {
        f.h.pool.commit();
      }
      f.mutate(0, rnd, 3000);
      f.verify();
      f.mutate(snap, rnd, 3000);
      f.verify();
      f.h.pool.commit();
      f.mutate(0, rnd, 1000);
      f.verify();
      f.delete(0);
      f.verify();
      f.delete(snap);
      assertThat(f.h.pool.sm.nrAllocated()).isEqualTo(1);
      assertThat(f.h.type.refs).isEmpty();
    }
  }

  @Test
  void aSingleInsertIntoASharedTreeCopiesOnlyThePath() throws IOException {
    Random rnd = new Random(6);
    try (Forest f = forestWithOneTree(rnd)) {
      f.h.pool.commit();
      int snap = f.snapshot(0);
      long before = f.h.pool.sm.nrAllocated();
      int depth = f.h.inspector.checkStructure(f.roots.get(0));
      f.mutate(0, rnd, 0);
      f.h.root = f.roots.get(0);
      f.h.insert(KEYS * 2 + 1L);
      f.roots.set(0, f.h.root);
      f.models.get(0).put(KEYS * 2 + 1L, f.h.model.get(KEYS * 2 + 1L));
      // One new block per level, unless the leaf had to split.
      assertThat(f.h.pool.sm.nrAllocated() - before).isBetween((long) depth, depth + 2L);
      assertThat(f.roots.get(0)).isNotEqualTo(f.roots.get(snap));
      f.verify();
    }
  }

  @Test
  void snapshotsOfSnapshotsEachChangeAndDeleteInAnyOrder() throws IOException {
    Random rnd = new Random(8);
    try (Forest f = forestWithOneTree(rnd)) {
      int a = f.snapshot(0);
      int b = f.snapshot(a);
      f.h.pool.commit();
      int c = f.snapshot(b);
      f.mutate(b, rnd, 2000);
      f.verify();
      f.mutate(c, rnd, 500);
      f.h.pool.commit();
      f.mutate(0, rnd, 2000);
      f.verify();
      f.delete(a);
      f.verify();
      f.mutate(c, rnd, 1000);
      f.delete(0);
      f.verify();
      f.delete(c);
      f.delete(b);
      assertThat(f.h.pool.sm.nrAllocated()).isEqualTo(1);
      assertThat(f.h.type.refs).isEmpty();
    }
  }

  @Test
  void removingEverythingFromOneCopyKeepsTheOther() throws IOException {
    Random rnd = new Random(9);
    try (Forest f = forestWithOneTree(rnd)) {
      f.h.pool.commit();
      int snap = f.snapshot(0);
      f.h.root = f.roots.get(0);
      f.h.model.clear();
      f.h.model.putAll(f.models.get(0));
      f.h.removeRange(0, -1L);
      f.roots.set(0, f.h.root);
      f.models.get(0).clear();
      f.verify();
      assertThat(f.models.get(snap)).hasSizeGreaterThan(KEYS / 2);
    }
  }

  /**
   * An internal root with a single child that is shared: the kernel copies the child into the root
   * and only dec's the child, which would leave the grandchildren one reference short. Here the
   * root's copies of the child's pointers are counted.
   */
  @Test
  void collapsingARootOverASharedChildCountsTheGrandchildren() throws IOException {
    Random rnd = new Random(10);
    try (Forest f = new Forest()) {
      ModelHarness h = f.h;
      // Three levels, then shrink until the root has a single child.
      for (int i = 0; i < 100_000; i++) {
        h.insert(i);
      }
      List<Long> keys = new ArrayList<>(h.model.keySet());
      Collections.shuffle(keys, rnd);
      int next = 0;
      while (rootEntries(h) > 1) {
        h.remove(keys.get(next++));
      }
      assertThat(h.depth()).isEqualTo(3);
      TreeMap<Long, Long> model = new TreeMap<>(Long::compareUnsigned);
      model.putAll(h.model);
      f.add(h.root, model);
      h.pool.commit();
      int snap = f.snapshot(0);
      f.h.root = f.roots.get(snap);
      f.h.model.clear();
      f.h.model.putAll(f.models.get(snap));
      h.remove(keys.get(next));
      f.roots.set(snap, h.root);
      f.models.get(snap).remove(keys.get(next));
      assertThat(h.depth()).isEqualTo(2);
      f.verify();
      f.delete(0);
      f.verify();
    }
  }

  private static int rootEntries(ModelHarness h) throws IOException {
    try (ReadBlock r = h.pool.tm.read(h.root, BTreeNode.BLOCK_TYPE)) {
      return BTreeNode.isLeaf(r) ? Integer.MAX_VALUE : BTreeNode.nrEntries(r);
    }
  }
}

package org.thinpool.meta.btree;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * One tree of counted values next to a {@link TreeMap} model. Every operation is applied to both;
 * {@link #verify} compares contents, structure and every reference count.
 */
final class ModelHarness implements AutoCloseable {
  final TestPool pool = new TestPool();
  final CountedValueType type;
  final BTree<Long> tree;
  final TreeInspector inspector;
  final TreeMap<Long, Long> model = new TreeMap<>(Long::compareUnsigned);
  long root;

  ModelHarness(int valueSize) throws IOException {
    type = new CountedValueType(valueSize);
    tree = new BTree<>(pool.tm, type);
    inspector = new TreeInspector(pool.bm, valueSize);
    root = tree.createEmpty();
  }

  void insert(long key) throws IOException {
    long v = type.fresh();
    BTree.InsertResult r = tree.insert(root, key, v);
    Long old = model.put(key, v);
    assertThat(r.added()).as("added %s", Long.toUnsignedString(key)).isEqualTo(old == null);
    root = r.root();
  }

  void remove(long key) throws IOException {
    BTree.RemoveResult r = tree.remove(root, key);
    boolean present = model.remove(key) != null;
    assertThat(r.removed()).as("removed %s", Long.toUnsignedString(key)).isEqualTo(present);
    if (!present) {
      assertThat(r.root()).as("root after removing an absent key").isEqualTo(root);
    }
    root = r.root();
  }

  void removeRange(long begin, long end) throws IOException {
    BTree.RangeRemoval r = tree.removeRange(root, begin, end);
    long expected = 0;
    if (Long.compareUnsigned(begin, end) < 0) {
      Map<Long, Long> range = model.subMap(begin, true, end, false);
      expected = range.size();
      range.clear();
    }
    assertThat(r.removedCount()).isEqualTo(expected);
    if (expected == 0) {
      assertThat(r.root()).isEqualTo(root);
    }
    root = r.root();
  }

  /** Contents, partial visits, lookups, count, structure, and all reference counts. */
  void verify(Random rnd) throws IOException {
    verifyContents(rnd);
    inspector.checkStructure(root);
    verifyCounts(List.of());
  }

  /** The tree holds exactly the model: full and partial visits, lookups, count. */
  void verifyContents(Random rnd) throws IOException {
    assertThat(entries(tree, root)).isEqualTo(new ArrayList<>(model.entrySet()));
    assertThat(tree.count(root)).isEqualTo(model.size());
    for (int i = 0; i < 20 && !model.isEmpty(); i++) {
      long k = rnd.nextInt(3) == 0 ? rnd.nextLong() : randomKey(rnd);
      assertThat(tree.lookup(root, k)).isEqualTo(model.get(k));
      long end = k + rnd.nextInt(1000);
      if (Long.compareUnsigned(k, end) < 0) {
        List<Map.Entry<Long, Long>> got = new ArrayList<>();
        tree.visit(root, k, end, (key, v) -> got.add(Map.entry(key, v)));
        assertThat(got).isEqualTo(new ArrayList<>(model.subMap(k, true, end, false).entrySet()));
      }
    }
  }

  /**
   * Every metadata count and every value count equals what reachability from this tree's root and
   * {@code otherRoots} implies (spec 7.1, 7.2); nothing leaked.
   */
  void verifyCounts(List<Long> otherRoots) throws IOException {
    List<Long> roots = new ArrayList<>(otherRoots);
    roots.add(root);
    TreeInspector.Census c = inspector.census(roots, true);
    assertThat(TreeInspector.countMismatches(pool.sm, c.blocks)).isEmpty();
    assertThat(type.refs).isEqualTo(c.values);
  }

  long randomKey(Random rnd) {
    if (model.isEmpty()) {
      return rnd.nextLong();
    }
    Long k = model.ceilingKey(rnd.nextLong());
    return k != null ? k : model.firstKey();
  }

  static List<Map.Entry<Long, Long>> entries(BTree<Long> tree, long root) throws IOException {
    List<Map.Entry<Long, Long>> out = new ArrayList<>();
    tree.visit(root, 0, -1L, (k, v) -> out.add(Map.entry(k, v)));
    Long last = tree.lookup(root, -1L); // the one key an exclusive end cannot include
    if (last != null) {
      out.add(Map.entry(-1L, last));
    }
    return out;
  }

  int depth() throws IOException {
    return inspector.checkStructure(root);
  }

  @Override
  public void close() throws IOException {
    pool.close();
  }
}

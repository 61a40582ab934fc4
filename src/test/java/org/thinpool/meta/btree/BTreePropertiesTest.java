package org.thinpool.meta.btree;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Generated operation sequences (with shrinking) on small-capacity trees: 24-byte values give
 * 126-entry leaves, so a few thousand keys make several levels and frequent merges.
 */
class BTreePropertiesTest {
  sealed interface Op permits Insert, Remove, RemoveRange, Commit, Snapshot {}

  record Insert(long key) implements Op {}

  record Remove(long key) implements Op {}

  record RemoveRange(long begin, int length) implements Op {}

  record Commit() implements Op {}

  /** Another reference to the current root (a snapshot that is kept); changes go on. */
  record Snapshot() implements Op {}

  @Provide
  Arbitrary<List<Op>> operations() {
    Arbitrary<Long> keys = Arbitraries.longs().between(0, 3000);
    Arbitrary<Op> op =
        Arbitraries.frequencyOf(
            Tuple.of(40, keys.map(k -> (Op) new Insert(k))),
            Tuple.of(20, keys.map(k -> (Op) new Remove(k))),
            Tuple.of(
                3,
                Combinators.combine(keys, Arbitraries.integers().between(0, 400))
                    .as((b, n) -> (Op) new RemoveRange(b, n))),
            Tuple.of(2, Arbitraries.just((Op) new Commit())),
            Tuple.of(1, Arbitraries.just((Op) new Snapshot())));
    return op.list().ofMinSize(50).ofMaxSize(4000);
  }

  @Property(tries = 80, seed = "20250101")
  void anyOperationSequenceKeepsTreeModelAndCountsInStep(@ForAll("operations") List<Op> ops)
      throws IOException {
    try (ModelHarness h = new ModelHarness(24)) {
      List<Long> snapshots = new ArrayList<>();
      for (Op op : ops) {
        switch (op) {
          case Insert i -> h.insert(i.key());
          case Remove r -> h.remove(r.key());
          case RemoveRange r -> h.removeRange(r.begin(), r.begin() + r.length());
          case Commit c -> h.pool.commit();
          case Snapshot s -> {
            h.pool.tm.inc(h.root);
            snapshots.add(h.root);
          }
        }
      }
      h.inspector.checkStructure(h.root);
      h.verifyContents(new Random(ops.size()));
      h.verifyCounts(snapshots);
    }
  }
}

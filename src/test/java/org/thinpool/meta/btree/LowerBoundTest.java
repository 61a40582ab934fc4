package org.thinpool.meta.btree;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.thinpool.meta.block.BlockImage;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;

/**
 * {@link BTreeNode#lowerBound} (interpolation, then binary search) against a linear scan, on nodes
 * of every key shape a tree holds: consecutive runs with gaps (mapping leaves), evenly spread keys
 * (internal nodes), random keys over small and full unsigned 64-bit ranges (top-level and details
 * trees, hostile metadata), and one- and two-entry nodes.
 */
class LowerBoundTest {
  @Property(tries = 400, seed = "20261204")
  void agreesWithALinearScan(@ForAll("shapes") int shape, @ForAll long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    long[] keys = keys(shape, rng);
    ReadBlock node = node(keys);
    List<Long> probes = new ArrayList<>(List.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE));
    for (long k : keys) {
      probes.add(k);
      probes.add(k - 1);
      probes.add(k + 1);
    }
    for (int i = 0; i < 64; i++) {
      probes.add(rng.nextLong());
      if (keys.length > 0) {
        probes.add(keys[0] + rng.nextLong(Math.max(1, keys[keys.length - 1] - keys[0])));
      }
    }
    for (long probe : probes) {
      assertThat(BTreeNode.lowerBound(node, probe))
          .as("key %s in %s", Long.toUnsignedString(probe), shape)
          .isEqualTo(linear(keys, probe));
    }
  }

  @Provide
  Arbitrary<Integer> shapes() {
    return Arbitraries.integers().between(0, 5);
  }

  private static long[] keys(int shape, SplittableRandom rng) {
    int n = rng.nextInt(0, 253);
    TreeSet<Long> set = new TreeSet<>(Long::compareUnsigned);
    long base = rng.nextLong(1L << 40);
    long next = base;
    while (set.size() < n) {
      long k =
          switch (shape) {
            case 0 -> next += rng.nextInt(10) < 9 ? 1 : 1 + rng.nextInt(1000); // runs, gaps
            case 1 -> base + set.size() * 4096L; // evenly spread
            case 2 -> base + rng.nextLong(4L * n + 1); // random, dense range
            case 3 -> rng.nextLong(); // random, full unsigned range
            case 4 -> rng.nextBoolean() ? rng.nextLong(256) : -1 - rng.nextLong(256); // both ends
            default -> base + rng.nextLong(Integer.MAX_VALUE) * rng.nextInt(1, 4); // wide spans
          };
      set.add(k);
    }
    return set.stream().mapToLong(Long::longValue).toArray();
  }

  private static ReadBlock node(long[] keys) {
    byte[] b = new byte[MetadataBlock.SIZE_BYTES];
    MetadataBlock.putU32(b, BTreeNode.OFFSET_FLAGS, BTreeNode.FLAG_LEAF);
    MetadataBlock.putU32(b, BTreeNode.OFFSET_NR_ENTRIES, keys.length);
    MetadataBlock.putU32(b, BTreeNode.OFFSET_MAX_ENTRIES, BTreeNode.maxEntriesFor(8));
    MetadataBlock.putU32(b, BTreeNode.OFFSET_VALUE_SIZE, 8);
    for (int i = 0; i < keys.length; i++) {
      MetadataBlock.putU64(b, BTreeNode.keyOffset(i), keys[i]);
    }
    return BlockImage.wrap(1, BTreeNode.BLOCK_TYPE, b);
  }

  private static int linear(long[] keys, long key) {
    int i = -1;
    while (i + 1 < keys.length && Long.compareUnsigned(keys[i + 1], key) <= 0) {
      i++;
    }
    return i;
  }
}

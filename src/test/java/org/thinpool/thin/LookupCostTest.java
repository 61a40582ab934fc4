package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.thinpool.io.MemoryBlockDevice;

/**
 * Lookups cost O(log n) block reads, counted, not timed: with a cache too small to help, a lookup
 * reads at most one block per level of the top-level tree and of the device tree, and a commit
 * writes a number of blocks proportional to what changed, not to the pool's size.
 */
class LookupCostTest {
  /** Every non-root node holds at least 84 entries (252 / 3). */
  static int maxDepth(long entries) {
    int depth = 1;
    for (long reach = 252; reach < entries; reach *= 84) {
      depth++;
    }
    return depth;
  }

  @Test
  void coldLookupsReadOneBlockPerTreeLevel() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(64L << 20);
    long n = 150_000;
    try (ThinMetadata md = ThinMetadata.format(dev, 128, 4 * n, 16)) {
      for (long id = 0; id < 3; id++) {
        md.createThin(id);
      }
      for (long v = 0; v < n; v++) {
        md.insertMapping(1, v * 3, md.allocDataBlock());
      }
      md.commit();
      int bound = maxDepth(3) + maxDepth(n);
      Random rng = new Random(5);
      long worst = 0;
      for (int i = 0; i < 2000; i++) {
        md.blockManager().clearCache();
        long before = md.blockManager().blocksRead();
        assertThat(md.lookup(1, rng.nextLong(n) * 3)).isNotNull();
        worst = Math.max(worst, md.blockManager().blocksRead() - before);
      }
      assertThat(worst).isLessThanOrEqualTo(bound);
    }
  }

  @Test
  void commitWritesScaleWithChangesNotWithPoolSize() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(128L << 20);
    try (ThinMetadata md = ThinMetadata.format(dev, 128, 2_000_000, 4096)) {
      md.createThin(1);
      for (long v = 0; v < 300_000; v++) {
        md.insertMapping(1, v, md.allocDataBlock());
      }
      md.commit();
      long before = md.blockManager().blocksWritten();
      md.insertMapping(1, 150_000, md.allocDataBlock());
      md.commit();
      long oneChange = md.blockManager().blocksWritten() - before;
      // path in the device tree (3) + top-level leaf + details leaf + space-map blocks.
      assertThat(oneChange).isLessThanOrEqualTo(16);
    }
  }
}

package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.thinpool.io.MemoryBlockDevice;

/**
 * A change to a device's mappings is one pass over the two-level tree, counted, not timed: an
 * insert shadows each node on the path from the top-level root to the device-tree leaf once (the
 * two-pass insert shadowed the top-level path twice), and with a cold cache reads each of them
 * once, also as the first change after a commit (when every node of the path is committed and must
 * be copied, and the device's root moves).
 */
class InsertCostTest {
  @Test
  void insertShadowsAndReadsEachNodeOfThePathOnce() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(64L << 20);
    long n = 20_000;
    try (ThinMetadata md = ThinMetadata.format(dev, 128, 4 * n, 64)) {
      for (long id = 0; id < 3; id++) {
        md.createThin(id);
      }
      for (long v = 0; v < n; v++) {
        md.insertMapping(1, v, md.allocDataBlock());
      }
      md.commit();
      md.blockManager().clearCache();
      long before = md.blockManager().blocksRead();
      md.lookup(1, 0);
      // A lookup starts at the cached device root: it reads the device tree's levels only.
      assertThat(md.blockManager().blocksRead() - before).as("device tree depth").isEqualTo(2);
      long pathLength = 1 + 2; // the top-level tree is one leaf

      Random rng = new Random(7);
      for (int i = 0; i < 200; i++) {
        md.commit();
        md.blockManager().clearCache();
        long shadowed = md.mappingNodesShadowed();
        long read = md.blockManager().blocksRead();
        long block = md.allocDataBlock();
        md.insertMapping(1, rng.nextLong(n), block); // an overwrite: nothing splits
        assertThat(md.mappingNodesShadowed() - shadowed).as("nodes shadowed").isEqualTo(pathLength);
        // The path only: the device's details (that it exists, its mapped count) are held in
        // memory since the first lookup, not read from the details tree again.
        assertThat(md.blockManager().blocksRead() - read).as("blocks read").isEqualTo(pathLength);
      }
    }
  }

  @Test
  void unmapShadowsEachNodeOfThePathOnce() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(64L << 20);
    long n = 20_000;
    try (ThinMetadata md = ThinMetadata.format(dev, 128, 4 * n, 64)) {
      md.createThin(1);
      for (long v = 0; v < n; v++) {
        md.insertMapping(1, v, md.allocDataBlock());
      }
      md.commit();
      long shadowed = md.mappingNodesShadowed();
      // A leaf in the middle holds at least 84 entries, so unmapping one never rebalances.
      assertThat(md.removeRange(1, n / 2, n / 2 + 1)).isEqualTo(1);
      assertThat(md.mappingNodesShadowed() - shadowed).isEqualTo(3);
    }
  }
}

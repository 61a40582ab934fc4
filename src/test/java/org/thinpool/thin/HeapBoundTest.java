package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.meta.block.BlockManager;

/**
 * The default metadata cache holds a 1 TiB pool's working set in well under 256 MiB of heap: a pool
 * of 2^24 data blocks (1 TiB of 64 KiB blocks) with enough mappings that the cache is full,
 * measured after a full GC.
 */
class HeapBoundTest {
  private static final long ONE_TIB_BLOCKS = 1L << 24;
  private static final long HEAP_LIMIT_BYTES = 256L << 20;

  @TempDir Path tmp;

  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Test
  void oneTebibytePoolWithAFullCacheStaysUnder256MiB() throws IOException {
    long baseline = usedHeapAfterGc();
    try (ThinMetadata md =
        ThinMetadata.format(
            FileBlockDevice.create(tmp.resolve("metadata"), 512L << 20),
            128,
            ONE_TIB_BLOCKS,
            BlockManager.DEFAULT_CACHE_BLOCKS)) {
      // 100 devices, mappings spread over the whole pool; commit often, like a running pool.
      long mapped = 0;
      for (long id = 0; id < 100; id++) {
        md.createThin(id);
      }
      long target = 5_000_000;
      for (long v = 0; mapped < target; v++) {
        for (long id = 0; id < 100 && mapped < target; id++) {
          md.insertMapping(id, v * 7, md.allocDataBlock());
          mapped++;
        }
        if (v % 1000 == 999) {
          md.commit();
        }
      }
      md.commit();
      for (long id = 0; id < 100; id++) {
        md.visitMappings(id, 0, Long.MAX_VALUE, (k, m) -> true);
      }
      assertThat(md.blockManager().cachedBlocks()).isEqualTo(BlockManager.DEFAULT_CACHE_BLOCKS);
      long used = usedHeapAfterGc() - baseline;
      System.out.printf(
          Locale.ROOT,
          "1 TiB pool, %d mappings, full cache: %.1f MiB heap%n",
          mapped,
          used / 1048576.0);
      assertThat(used).isLessThan(HEAP_LIMIT_BYTES);
    }
  }
}

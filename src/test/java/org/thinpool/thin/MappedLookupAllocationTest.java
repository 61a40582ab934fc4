package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.testing.Allocations;

/**
 * The read path's lookup allocates nothing, counted: no boxed thin id, block number or value, no
 * result object, no per-level key range; for a device id and metadata block numbers above the 127
 * that {@code Long.valueOf} would serve from its cache.
 */
class MappedLookupAllocationTest {
  @Test
  void findDataBlockAllocatesNothing() throws IOException {
    long id = 300;
    int n = 100_000;
    try (ThinMetadata md = ThinMetadata.format(new MemoryBlockDevice(64L << 20), 128, n, 4096)) {
      md.createThin(id);
      for (long v = 0; v < n; v++) {
        md.insertMapping(id, v, md.allocDataBlock());
      }
      md.commit();
      assertThat(md.metadataSpaceMap().nrAllocated()).isGreaterThan(256); // most leaves above 127
      long[] sum = {0};
      long bytes =
          Allocations.bytesAllocated(
              20_000,
              i -> {
                sum[0] += md.findDataBlock(id, (i * 7919L) % n);
              });
      assertThat(sum[0]).isPositive();
      assertThat(bytes).as("bytes allocated by 20 000 lookups").isLessThan(20_000);
    }
  }
}

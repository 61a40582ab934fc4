package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.Allocations;

/**
 * A 4 KiB read of a mapped block allocates nothing, counted, not timed: the size check, the block
 * stripe, the metadata lock and the lookup take no objects (JMH's GC profiler shows the same for
 * {@code PoolBench.randomReadMapped4k}, see docs/BENCHMARKS.md).
 */
class MappedReadAllocationTest {
  @TempDir Path dir;

  @Test
  void mappedReadsAllocateNothing() throws IOException {
    long size = 16L << 20;
    try (ThinPool pool = ThinPool.create(dir.resolve("pool"), PoolOptions.ofDataSize(size))) {
      ThinDevice dev = pool.createThin(300, size); // an id Long.valueOf would box
      ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
      for (long off = 0; off < size; off += chunk.capacity()) {
        chunk.clear().putLong(0, off);
        dev.write(off, chunk);
      }
      pool.commit();
      ByteBuffer buf = ByteBuffer.allocateDirect(4096);
      long bytes =
          Allocations.bytesAllocated(
              20_000,
              i -> {
                long off = (i * 7919L % (size / 4096)) * 4096;
                dev.read(off, buf.clear());
              });
      assertThat(bytes).as("bytes allocated by 20 000 mapped reads").isLessThan(20_000);
    }
  }
}

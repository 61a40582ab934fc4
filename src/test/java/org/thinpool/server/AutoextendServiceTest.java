package org.thinpool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;

/** Issue 9 item 7: the server grows the data file when usage crosses the threshold. */
class AutoextendServiceTest {
  @TempDir Path tmp;

  @Test
  void growsTheDataFileByThePercentOnceUsageCrossesTheThresholdAndRunsTheHook() throws Exception {
    Path dir = tmp.resolve("pool");
    Path marker = tmp.resolve("hook.out");
    ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 << 20));
    pool.createThin(1, 64 << 20);
    AutoextendService auto =
        new AutoextendService(
            50,
            100,
            Optional.of("echo \"$THINPOOL_WHAT $THINPOOL_NEW_SIZE_BYTES\" > " + marker),
            java.time.Duration.ZERO);
    try (ThinpoolServer server = ThinpoolServer.start(pool, List.of(auto))) {
      assertThat(auto.checkOnce()).isEmpty(); // 0 % used
      pool.device(1).write(0, ByteBuffer.allocate(7 << 20));
      assertThat(auto.checkOnce()).isEmpty(); // 43.75 %
      pool.device(1).write(7 << 20, ByteBuffer.allocate(1 << 20));
      List<String> events = auto.checkOnce(); // 50 %: grow 16 -> 32 MiB
      assertThat(events)
          .singleElement()
          .asString()
          .contains("low water: data")
          .contains("to " + (32 << 20));
      assertThat(pool.status().dataBlocksTotal()).isEqualTo(512);
      assertThat(Files.size(dir.resolve("data"))).isEqualTo(32 << 20);
      assertThat(Files.readString(marker).strip()).isEqualTo("data " + (32 << 20));
      assertThat(auto.checkOnce()).isEmpty(); // 25 % now
      // writes beyond the first size succeed: the pool grew before they could fail
      pool.device(1).write(8 << 20, ByteBuffer.allocate(12 << 20));
    }
  }

  /** The polling service grows a pool that a writer fills, before the writes fail. */
  @Test
  void thePollerGrowsAFillingPoolBeforeWritesFail() throws Exception {
    ThinPool pool =
        ThinPool.create(
            tmp.resolve("p2"),
            PoolOptions.ofDataSize(16 << 20).withQueueIfNoSpace(java.time.Duration.ofSeconds(30)));
    pool.createThin(1, 256 << 20);
    try (ThinpoolServer server =
        ThinpoolServer.start(pool, List.of(new AutoextendService(80, 50, Optional.empty())))) {
      for (int i = 0; i < 64; i++) {
        pool.device(1).write((long) i << 20, ByteBuffer.allocate(1 << 20));
      }
      assertThat(pool.status().dataBlocksTotal() * (64 << 10)).isGreaterThanOrEqualTo(64 << 20);
    }
  }
}

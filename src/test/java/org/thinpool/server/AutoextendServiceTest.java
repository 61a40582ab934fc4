package org.thinpool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.MetadataSizing;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;
import org.thinpool.testing.ExternalTool;

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
            Optional.of(
                "echo \"$THINPOOL_WHAT $THINPOOL_NEW_SIZE_BYTES $THINPOOL_DATA_USED_PCT"
                    + " $THINPOOL_USED_BLOCKS/$THINPOOL_TOTAL_BLOCKS $THINPOOL_POOL\" > "
                    + marker),
            java.time.Duration.ZERO);
    List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
    Logger log = Logger.getLogger(AutoextendService.class.getName());
    Handler h =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            logged.add(r.getLevel() + " " + r.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    log.addHandler(h);
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
      assertThat(Files.readString(marker).strip())
          .isEqualTo("data " + (32 << 20) + " 50 128/256 " + dir);
      assertThat(logged).singleElement().isEqualTo("WARNING " + events.getFirst());
      assertThat(auto.checkOnce()).isEmpty(); // 25 % now
      // writes beyond the first size succeed: the pool grew before they could fail
      pool.device(1).write(8 << 20, ByteBuffer.allocate(12 << 20));
    } finally {
      log.removeHandler(h);
    }
  }

  /** Metadata fills by mappings, not by data: its file grows on its own threshold crossing. */
  @Test
  void growsTheMetadataFileWhenMappingsFillIt() throws Exception {
    Path dir = tmp.resolve("pool");
    ThinPool pool =
        ThinPool.create(
            dir,
            PoolOptions.ofDataSize(64L << 30) // data stays far below the threshold
                .withMetadataSize(MetadataSizing.MIN_BYTES)
                .withZeroing(false));
    AutoextendService auto = new AutoextendService(5, 50, Optional.empty(), Duration.ZERO);
    try (ThinpoolServer server = ThinpoolServer.start(pool, List.of(auto))) {
      long total = pool.status().metadataBlocksTotal();
      assertThat(total * 4096).isEqualTo(MetadataSizing.MIN_BYTES);
      for (int id = 1; pool.status().metadataBlocksUsed() * 100 < total * 5; id++) {
        assertThat(auto.checkOnce()).isEmpty();
        pool.createThin(id, 1 << 30);
        for (int i = 0; i < 200; i++) { // scattered: one leaf entry per 64 KiB block
          pool.device(id).write((long) i * (1 << 20), ByteBuffer.allocate(512));
        }
      }
      long dataTotal = pool.status().dataBlocksTotal();
      List<String> events = auto.checkOnce();
      assertThat(events).singleElement().asString().startsWith("low water: metadata");
      assertThat(pool.status().metadataBlocksTotal()).isEqualTo(total + total / 2);
      assertThat(Files.size(dir.resolve("metadata"))).isEqualTo((total + total / 2) * 4096);
      assertThat(pool.status().dataBlocksTotal()).isEqualTo(dataTotal); // data is far below 5 %
    }
    ExternalTool.Result r = ExternalTool.run("thin_check", dir.resolve("metadata").toString());
    assertThat(r.exitCode()).as(r.all()).isZero();
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

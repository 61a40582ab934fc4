package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.thinpool.pool.PoolAssertions.KIB;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.filled;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.OutOfSpaceException;

/** Out of space (issue 3, item 6): error vs queue, low water mark, min free space, metadata. */
class SpacePolicyTest {
  private static final int BLOCK = (int) (64 * KIB);

  @TempDir Path dir;

  /** A 16-block pool with device 1 (1 MiB) whose blocks 0..n-1 are written. */
  private ThinPool fullish(PoolOptions options, int written) throws IOException {
    return fullish(options, written, PoolClock.SYSTEM);
  }

  private ThinPool fullish(PoolOptions options, int written, PoolClock clock) throws IOException {
    ThinPool pool = ThinPool.create(dir, options, PoolHooks.NONE.withClock(clock));
    ThinDevice dev = pool.createThin(1, 4 * MIB);
    for (int b = 0; b < written; b++) {
      dev.write((long) b * BLOCK, filled(BLOCK, b + 1));
    }
    return pool;
  }

  @Test
  void errorIfNoSpaceFailsTheWriteAtOnceAndKeepsServingReads() throws IOException {
    try (ThinPool pool = fullish(PoolOptions.ofDataSize(MIB), 16)) {
      ThinDevice dev = pool.device(1);
      assertThatThrownBy(() -> dev.write(16L * BLOCK, filled(4096, 9)))
          .isInstanceOf(OutOfSpaceException.class)
          .hasMessageContaining("out of data space");
      assertThat(pool.status().mode()).isEqualTo(PoolMode.OUT_OF_DATA_SPACE);
      assertThat(read(dev, 3L * BLOCK, BLOCK)).isEqualTo(filled(BLOCK, 4));
      dev.write(0, filled(BLOCK, 77)); // in place: needs no new block
    }
    assertMetadataClean(dir);
  }

  @Test
  void queuedWriteResumesWhenTheDataDeviceGrows() throws Exception {
    ManualClock clock = new ManualClock();
    PoolOptions options = PoolOptions.ofDataSize(MIB).withQueueIfNoSpace(Duration.ofMinutes(1));
    try (ThinPool pool = fullish(options, 16, clock)) {
      ThinDevice dev = pool.device(1);
      long reads = clock.reads();
      CompletableFuture<Void> write =
          CompletableFuture.runAsync(
              () -> {
                try {
                  dev.write(20L * BLOCK, filled(BLOCK, 42));
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      clock.awaitReadsBeyond(reads); // the write is queued: it started its timer
      assertThat(write).isNotDone();
      assertThat(pool.status().mode()).isEqualTo(PoolMode.OUT_OF_DATA_SPACE);
      pool.growData(2 * MIB);
      write.get(30, TimeUnit.SECONDS);
      assertThat(read(dev, 20L * BLOCK, BLOCK)).isEqualTo(filled(BLOCK, 42));
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(17);
    }
    assertMetadataClean(dir);
  }

  /**
   * The timeout is measured on the pool's clock, not wall time: a write queued for ten minutes of
   * the test's clock fails at once when the clock passes them, and not a minute before.
   */
  @Test
  void queuedWriteFailsWithEnospcAfterTheTimeoutAndNothingCommittedIsLost() throws Exception {
    ManualClock clock = new ManualClock();
    PoolOptions options = PoolOptions.ofDataSize(MIB).withQueueIfNoSpace(Duration.ofMinutes(10));
    try (ThinPool pool = fullish(options, 16, clock)) {
      pool.commit();
      long reads = clock.reads();
      CompletableFuture<Void> write =
          CompletableFuture.runAsync(
              () -> {
                try {
                  pool.device(1).write(20L * BLOCK, filled(BLOCK, 42));
                } catch (IOException e) {
                  throw new CompletionException(e);
                }
              });
      clock.awaitReadsBeyond(reads + 1); // timer started, time left computed: waiting
      reads = clock.reads();
      clock.advanceMillis(Duration.ofMinutes(9).toMillis());
      clock.awaitReadsBeyond(reads); // woke, looked at the clock, went back to waiting
      assertThat(write).isNotDone();
      clock.advanceMillis(Duration.ofMinutes(1).toMillis());
      assertThatThrownBy(() -> write.get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(OutOfSpaceException.class)
          .hasMessageContaining("out of data space")
          .hasMessageContaining("600000 ms (no_space_timeout)");
    }
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      for (int b = 0; b < 16; b++) {
        assertThat(read(pool.device(1), (long) b * BLOCK, BLOCK)).isEqualTo(filled(BLOCK, b + 1));
      }
    }
  }

  @Test
  void lowWaterMarkFiresOnceAndAgainAfterTheDataDeviceGrows() throws IOException {
    List<Long> events = new ArrayList<>();
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(MIB).withLowWaterMark(4))) {
      pool.onLowWaterMark(events::add);
      ThinDevice dev = pool.createThin(1, 4 * MIB);
      for (int b = 0; b < 11; b++) {
        dev.write((long) b * BLOCK, filled(512, 1));
      }
      assertThat(events).isEmpty(); // 5 free
      dev.write(11L * BLOCK, filled(512, 1));
      assertThat(events).containsExactly(4L);
      dev.write(12L * BLOCK, filled(512, 1));
      dev.write(13L * BLOCK, filled(512, 1));
      assertThat(events).containsExactly(4L);
      pool.growData(2 * MIB); // 18 free, re-armed
      for (int b = 14; b < 28; b++) {
        dev.write((long) b * BLOCK, filled(512, 1));
      }
      assertThat(events).containsExactly(4L, 4L);
    }
  }

  @Test
  void lowWaterMarkListenerMayGrowThePool() throws IOException {
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(MIB).withLowWaterMark(2))) {
      pool.onLowWaterMark(
          free -> {
            try {
              pool.growData(pool.status().dataBlocksTotal() * BLOCK + MIB);
            } catch (IOException e) {
              throw new RuntimeException(e);
            }
          });
      ThinDevice dev = pool.createThin(1, 8 * MIB);
      for (int b = 0; b < 64; b++) {
        dev.write((long) b * BLOCK, filled(512, b));
      }
      assertThat(pool.status().dataBlocksTotal()).isGreaterThanOrEqualTo(64);
    }
    assertMetadataClean(dir);
  }

  @Test
  void minFreeSpaceRefusesNewDevicesAndSnapshotsUntilSpaceIsAdded() throws IOException {
    try (ThinPool pool = fullish(PoolOptions.ofDataSize(MIB).withMinFreeSpace(20), 13)) {
      assertThatThrownBy(() -> pool.createThin(2, MIB))
          .isInstanceOf(PoolStateException.class)
          .hasMessageContaining("refusing to create thin device 2")
          .hasMessageContaining("18% free data space (3 of 16 blocks)")
          .hasMessageContaining("minimum free space of 20%");
      assertThatThrownBy(() -> pool.createSnapshot(2, 1))
          .isInstanceOf(PoolStateException.class)
          .hasMessageContaining("refusing to snapshot thin device 1 as 2");
      pool.device(1).write(14L * BLOCK, filled(512, 1)); // writes still work
      pool.growData(2 * MIB);
      pool.createSnapshot(2, 1);
      pool.createThin(3, MIB);
      assertThat(pool.deviceIds()).containsExactly(1L, 2L, 3L);
    }
    assertThat(Files.readString(dir.resolve("pool.conf"))).contains("min_free_space_percent=20");
  }

  /**
   * Fills a 4 MiB metadata device quickly: an origin of 20 000 mapped blocks, then snapshots of it,
   * each written once every 64 blocks, so that every write copies a mapping leaf.
   */
  @Test
  void fullMetadataTurnsThePoolReadOnlyAndKeepsEverythingWrittenBefore() throws IOException {
    long originBlocks = 20_000;
    PoolOptions options =
        PoolOptions.ofDataSize(4 * originBlocks * BLOCK)
            .withMetadataSize(MetadataSizing.MIN_BYTES)
            .withZeroing(false);
    Map<Long, Map<Long, Long>> model = new TreeMap<>(); // device -> virtual block -> stamp
    try (ThinPool pool = ThinPool.create(dir, options)) {
      ThinDevice origin = pool.createThin(1, originBlocks * BLOCK);
      for (long b = 0; b < originBlocks; b++) {
        origin.write(b * BLOCK, stamp(b));
        model.computeIfAbsent(1L, k -> new TreeMap<>()).put(b, b);
      }
      origin.flush();
      PoolStateException full = null;
      for (long snap = 2; full == null; snap++) {
        try {
          ThinDevice dev = pool.createSnapshot(snap, 1);
          model.put(snap, new TreeMap<>(model.get(1L)));
          for (long b = 0; b < originBlocks; b += 64) {
            long value = (snap << 32) | b;
            dev.write(b * BLOCK, stamp(value));
            model.get(snap).put(b, value);
          }
        } catch (PoolStateException e) {
          full = e;
        }
      }
      assertThat(full)
          .hasMessageContaining("read-only")
          .hasMessageContaining("out of metadata space");
      assertThat(full.isReadOnly()).isTrue();
      assertThat(model).hasSizeGreaterThan(2);
      PoolStatus s = pool.status();
      assertThat(s.mode()).isEqualTo(PoolMode.READ_ONLY);
      assertThat(s.readOnlyReason()).contains("grow the metadata device");
      assertThat(read(origin, 0, 8)).isEqualTo(stamp(0)); // still serves reads
      assertThatThrownBy(() -> pool.createThin(999, MIB)).hasMessageContaining("metadata space");
      assertThatThrownBy(() -> origin.discard(0, BLOCK)).hasMessageContaining("metadata space");
      assertThatThrownBy(() -> origin.write(0, stamp(7))).hasMessageContaining("metadata space");
    }
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.status().mode()).isEqualTo(PoolMode.READ_ONLY);
      for (var dev : model.entrySet()) {
        ThinDevice d = pool.device(dev.getKey()); // every acknowledged write is there
        for (var e : dev.getValue().entrySet()) {
          assertThat(read(d, e.getKey() * BLOCK, 8))
              .as("device %d block %d", dev.getKey(), e.getKey())
              .isEqualTo(stamp(e.getValue()));
        }
      }
      pool.growMetadata(2 * MetadataSizing.MIN_BYTES);
      assertThat(pool.status().mode()).isEqualTo(PoolMode.READ_WRITE);
      pool.device(1).write(0, stamp(7));
      pool.createThin(999, MIB);
    }
    assertMetadataClean(dir);
  }

  private static byte[] stamp(long n) {
    return java.nio.ByteBuffer.allocate(8).putLong(n ^ 0x5A5A5A5A5A5AL).array();
  }
}

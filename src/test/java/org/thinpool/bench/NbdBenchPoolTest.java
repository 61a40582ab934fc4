package org.thinpool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.ThinDevice;
import org.thinpool.pool.ThinPool;

/**
 * The pool {@code bench/nbd-bench.sh} serves has the layout the benchmark's rows and the qcow2
 * chain peer assume, at a small scale: 4 MiB devices and 64 MiB chains (8 written blocks).
 */
class NbdBenchPoolTest {
  static final long DEVICE_BYTES = 4L << 20;
  static final long CHAIN_BYTES = 64L << 20;
  static final long BLOCK_BYTES = 64L << 10;

  @TempDir Path tmp;

  @Test
  void buildsTheDevicesAndBothChainsWithEachWrittenBlockInExactlyOneLayer() throws IOException {
    NbdBenchPool.Chain deep = new NbdBenchPool.Chain(NbdBenchPool.DEEP_BASE_ID, 4, CHAIN_BYTES);
    NbdBenchPool.Chain shallow =
        new NbdBenchPool.Chain(NbdBenchPool.SHALLOW_BASE_ID, 1, CHAIN_BYTES);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Path dir = tmp.resolve("pool");
    try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
      NbdBenchPool.build(dir, DEVICE_BYTES, List.of(deep, shallow), out);
    }
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains(
            "WRITTEN=1\n",
            "ORIGIN=2\n",
            "SNAPSHOT=3\n",
            "FRESH=4\n",
            "DEEP_TOP=104\n",
            "SHALLOW_TOP=201\n")
        .contains("SNAPSHOT_REPS=10\n", "FRESH_REPS=50\n", "DEVICES=11\n");
    // the script turns zeroing back on before serving; it must find the line to flip
    assertThat(Files.readAllLines(dir.resolve("pool.conf"))).contains("zeroing=false");
    assertThat(ThinPool.checkAndClearNeedsCheck(dir).clean()).isTrue();
    try (ThinPool pool = ThinPool.open(dir)) {
      long deviceBlocks = DEVICE_BYTES / BLOCK_BYTES;
      assertThat(pool.thinStatus(NbdBenchPool.ORIGIN_ID).mappedBlocks()).isEqualTo(deviceBlocks);
      assertThat(pool.thinStatus(NbdBenchPool.SNAPSHOT_ID).mappedBlocks()).isEqualTo(deviceBlocks);
      assertThat(pool.thinStatus(NbdBenchPool.WRITTEN_ID).mappedBlocks()).isZero();
      assertThat(pool.thinStatus(NbdBenchPool.FRESH_ID).mappedBlocks()).isZero();
      // the script's extra snapshots and fresh devices (up to 40 reps each) find their ids free
      assertThat(pool.deviceIds())
          .noneMatch(id -> id > NbdBenchPool.SNAPSHOT_REPS_ID && id < NbdBenchPool.DEEP_BASE_ID);
      assertChain(pool, deep);
      assertChain(pool, shallow);
    }
  }

  /**
   * Layer {@code l} maps the written blocks of layers 0..l, so it gains exactly its own; the top
   * reads each written block's index in its first 8 bytes and zeros in the next block.
   */
  private static void assertChain(ThinPool pool, NbdBenchPool.Chain c) throws IOException {
    long n = c.writtenBlocks();
    assertThat(n).isEqualTo(CHAIN_BYTES / BLOCK_BYTES / NbdBenchPool.STRIDE);
    for (int l = 0; l <= c.depth(); l++) {
      long own = 0;
      for (long w = 0; w < n; w++) {
        own += w % (c.depth() + 1) <= l ? 1 : 0;
      }
      assertThat(pool.thinStatus(c.baseId() + l).mappedBlocks()).as("layer %d", l).isEqualTo(own);
    }
    ThinDevice top = pool.device(c.topId());
    ByteBuffer buf = ByteBuffer.allocate(4096);
    for (long w = 0; w < n; w++) {
      long off = w * NbdBenchPool.STRIDE * BLOCK_BYTES;
      top.read(off, buf.clear());
      assertThat(buf.getLong(0)).as("written block %d", w).isEqualTo(w);
      top.read(off + BLOCK_BYTES, buf.clear());
      assertThat(buf.getLong(0)).as("block after %d", w).isZero();
    }
  }
}

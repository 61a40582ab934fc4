package org.thinpool.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinDevice;
import org.thinpool.pool.ThinPool;

/**
 * Builds the pool that {@code bench/nbd-bench.sh} serves (issue 9 item 11), in-process through the
 * public pool API, so the 64-deep chain costs seconds instead of 64 CLI round trips and 65,536 NBD
 * writes. The layout, by thin id:
 *
 * <table>
 *   <caption>Devices of the benchmark pool</caption>
 *   <tr><th>id</th><th>size</th><th>contents</th><th>row</th></tr>
 *   <tr><td>{@value #WRITTEN_ID}</td><td>1 GiB</td><td>empty (fio prefills it over NBD, as the raw
 *       peer)</td><td>4 KiB random / 1 MiB sequential I/O, 1 and 4 connections</td></tr>
 *   <tr><td>{@value #ORIGIN_ID}</td><td>1 GiB</td><td>every byte written</td><td>origin of the
 *       snapshot below</td></tr>
 *   <tr><td>{@value #SNAPSHOT_ID}</td><td>1 GiB</td><td>snapshot of {@value #ORIGIN_ID}: every
 *       block shared</td><td>first 4 KiB writes into a snapshot (copy-on-write)</td></tr>
 *   <tr><td>{@value #FRESH_ID}</td><td>1 GiB</td><td>empty</td><td>4 KiB random writes, fresh
 *       device</td></tr>
 *   <tr><td>{@value #SNAPSHOT_REPS_ID}+2..</td><td>1 GiB</td><td>not made here: the script's
 *       snapshots of {@value #ORIGIN_ID} for its repetitions 2.. of the copy-on-write row</td>
 *       <td>the same</td></tr>
 *   <tr><td>{@value #FRESH_REPS_ID}+2..</td><td>1 GiB</td><td>not made here: the script's fresh
 *       devices for its repetitions 2.. of the fresh row</td><td>the same</td></tr>
 *   <tr><td>{@value #DEEP_BASE_ID}..+64</td><td>512 GiB</td><td>base + 64 snapshots</td><td>reads
 *       at depth 64 (top: {@value #DEEP_BASE_ID} + 64)</td></tr>
 *   <tr><td>{@value #SHALLOW_BASE_ID}..+1</td><td>512 GiB</td><td>base + 1 snapshot</td><td>reads
 *       at depth 1</td></tr>
 * </table>
 *
 * <p>The chains have the layout of the qcow2 peer ({@code peer-nbd.sh qcow2-chain N 512G --stride
 * 128 --write-size 4K}) and of {@link ChainPoolBench}: 1 block in {@value #STRIDE} written, block
 * {@code c} in layer {@code (c / STRIDE) % (N + 1)} only, 4 KiB at the start of the block. The pool
 * is made with zeroing off, as the peer fills the rest of each cluster with fallocate rather than
 * written zeros; the script turns zeroing back on (pool.conf) before it serves the pool, so the 1
 * GiB rows run with the default settings.
 */
public final class NbdBenchPool {
  static final long WRITTEN_ID = 1;
  static final long ORIGIN_ID = 2;
  static final long SNAPSHOT_ID = 3;
  static final long FRESH_ID = 4;

  /** Ids above this, up to {@link #FRESH_REPS_ID}, are left for the script's extra snapshots. */
  static final long SNAPSHOT_REPS_ID = 10;

  /** Ids above this, below {@link #DEEP_BASE_ID}, are left for the script's extra fresh devices. */
  static final long FRESH_REPS_ID = 50;

  static final long DEEP_BASE_ID = 100;
  static final long SHALLOW_BASE_ID = 200;
  static final long STRIDE = 128;

  /** The size of the four devices of the 1 GiB rows (issue 9 item 11: 1 GiB devices). */
  static final long DEVICE_BYTES = 1L << 30;

  /** The pool of the heap row: 1 TiB of data (sparse: only what is written takes disk). */
  static final long DATA_BYTES = 1L << 40;

  private static final long BLOCK_BYTES = PoolOptions.DEFAULT_DATA_BLOCK_BYTES;

  private NbdBenchPool() {}

  /** One chain to build: thin ids {@code baseId..baseId + depth}, the top the last. */
  record Chain(long baseId, int depth, long sizeBytes) {
    long topId() {
      return baseId + depth;
    }

    long writtenBlocks() {
      return sizeBytes / BLOCK_BYTES / STRIDE;
    }
  }

  /**
   * {@code NbdBenchPool DIR [CHAIN_BYTES DEEP_DEPTH]}: creates the pool in {@code DIR} (which must
   * not hold one) and prints one {@code NAME=ID} line per device role on stdout.
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 1 && args.length != 3) {
      System.err.println("usage: NbdBenchPool DIR [CHAIN_BYTES DEEP_DEPTH]");
      System.exit(2);
    }
    long chainBytes = args.length == 3 ? Long.parseLong(args[1]) : 512L << 30;
    int deepDepth = args.length == 3 ? Integer.parseInt(args[2]) : 64;
    List<Chain> chains =
        List.of(
            new Chain(DEEP_BASE_ID, deepDepth, chainBytes),
            new Chain(SHALLOW_BASE_ID, 1, chainBytes));
    build(Path.of(args[0]), DEVICE_BYTES, chains, System.out);
  }

  /**
   * Creates the pool in {@code dir} with the four devices of {@code deviceBytes} and {@code chains}
   * (the deep one first, then the shallow one) and prints the device roles' ids.
   */
  static void build(Path dir, long deviceBytes, List<Chain> chains, PrintStream out)
      throws IOException {
    long t0 = System.nanoTime();
    try (ThinPool pool =
        ThinPool.create(dir, PoolOptions.ofDataSize(DATA_BYTES).withZeroing(false))) {
      pool.createThin(WRITTEN_ID, deviceBytes);
      PoolBenchSupport.filledThin(pool, ORIGIN_ID, deviceBytes, 11);
      pool.commit();
      pool.createSnapshot(SNAPSHOT_ID, ORIGIN_ID);
      pool.createThin(FRESH_ID, deviceBytes);
      for (Chain c : chains) {
        buildChain(pool, c);
      }
      pool.commit();
      out.println("WRITTEN=" + WRITTEN_ID);
      out.println("ORIGIN=" + ORIGIN_ID);
      out.println("SNAPSHOT=" + SNAPSHOT_ID);
      out.println("SNAPSHOT_REPS=" + SNAPSHOT_REPS_ID);
      out.println("FRESH_REPS=" + FRESH_REPS_ID);
      out.println("FRESH=" + FRESH_ID);
      out.println("DEEP_TOP=" + chains.get(0).topId());
      out.println("SHALLOW_TOP=" + chains.get(1).topId());
      out.println("DEVICES=" + pool.deviceIds().size());
    }
    out.println("BUILD_SECONDS=" + (System.nanoTime() - t0) / 1_000_000_000);
  }

  /**
   * Base {@code baseId}, then each layer a snapshot of the one before; layer {@code l} writes the
   * chosen blocks {@code w} with {@code w % (depth + 1) == l}, 4 KiB stamped with {@code w}.
   */
  static void buildChain(ThinPool pool, Chain c) throws IOException {
    ByteBuffer piece = PoolBenchSupport.randomBuffer(PoolBenchSupport.KIB_4, 7);
    ThinDevice layer = pool.createThin(c.baseId(), c.sizeBytes());
    for (int l = 0; l <= c.depth(); l++) {
      if (l > 0) {
        pool.commit(); // one transaction per layer keeps each commit's dirty blocks bounded
        layer = pool.createSnapshot(c.baseId() + l, c.baseId() + l - 1);
      }
      for (long w = l; w < c.writtenBlocks(); w += c.depth() + 1) {
        piece.clear().putLong(0, w);
        layer.write(w * STRIDE * BLOCK_BYTES, piece);
      }
    }
  }
}

package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.thinpool.pool.PoolAssertions.KIB;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.filled;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.OutOfSpaceException;

class ThinDeviceTest {
  private static final int BLOCK = (int) (64 * KIB);

  @TempDir Path dir;

  private ThinPool newPool(PoolOptions options) throws IOException {
    return ThinPool.create(dir, options);
  }

  @Test
  void unwrittenBytesReadAsZeros() throws IOException {
    try (ThinPool pool = newPool(PoolOptions.ofDataSize(8 * MIB))) {
      ThinDevice dev = pool.createThin(0, 4 * MIB);
      assertThat(read(dev, 123, 300_000)).containsOnly(0);
      assertThat(pool.status().dataBlocksUsed()).isZero();
    }
  }

  @Test
  void unalignedWritesMatchAByteArrayModel() throws IOException {
    int size = (int) (2 * MIB);
    byte[] model = new byte[size];
    Random rnd = new Random(42);
    try (ThinPool pool = newPool(PoolOptions.ofDataSize(8 * MIB))) {
      ThinDevice dev = pool.createThin(5, size);
      for (int i = 0; i < 300; i++) {
        int off = rnd.nextInt(size);
        int len = Math.min(size - off, 1 + rnd.nextInt(3 * BLOCK));
        byte[] b = bytes(i, len);
        dev.write(off, b);
        System.arraycopy(b, 0, model, off, len);
        if (i % 50 == 0) {
          dev.flush();
        }
      }
      assertThat(read(dev, 0, size)).isEqualTo(model);
      int off = rnd.nextInt(size - 1000);
      assertThat(read(dev, off, 1000))
          .isEqualTo(java.util.Arrays.copyOfRange(model, off, off + 1000));
    }
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(read(pool.device(5), 0, size)).isEqualTo(model);
    }
  }

  @Test
  void aPartialFirstWriteZeroesTheRestOfAReusedBlock() throws IOException {
    try (ThinPool pool =
        newPool(PoolOptions.ofDataSize(MIB).withDiscardMode(DiscardMode.NOPASSDOWN))) {
      ThinDevice dev = pool.createThin(0, MIB);
      fillPoolAndFree(pool, dev);
      dev.write(0, new byte[] {7});
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(1);
      byte[] b = read(dev, 0, BLOCK);
      assertThat(b[0]).isEqualTo((byte) 7);
      assertThat(java.util.Arrays.copyOfRange(b, 1, BLOCK)).containsOnly(0);
    }
  }

  @Test
  void withZeroingOffAReusedBlockKeepsItsOldBytes() throws IOException {
    try (ThinPool pool =
        newPool(
            PoolOptions.ofDataSize(MIB)
                .withDiscardMode(DiscardMode.NOPASSDOWN)
                .withZeroing(false))) {
      ThinDevice dev = pool.createThin(0, MIB);
      fillPoolAndFree(pool, dev);
      dev.write(0, new byte[] {7});
      byte[] b = read(dev, 0, BLOCK);
      assertThat(b[0]).isEqualTo((byte) 7);
      assertThat(b[1]).isEqualTo((byte) 0xEE);
    }
  }

  /** Writes 0xEE over every block of the pool, then discards all and commits. */
  private static void fillPoolAndFree(ThinPool pool, ThinDevice dev) throws IOException {
    dev.write(0, filled((int) MIB, 0xEE));
    dev.flush();
    dev.discard(0, MIB);
    dev.flush();
    assertThat(pool.status().dataBlocksUsed()).isZero();
  }

  @Test
  void aWriteToASharedBlockCopiesItOnceAndMergesTheOldBytes() throws IOException {
    try (ThinPool pool = newPool(PoolOptions.ofDataSize(8 * MIB))) {
      ThinDevice origin = pool.createThin(0, MIB);
      byte[] old = bytes(1, BLOCK);
      origin.write(BLOCK, old);
      ThinDevice snap = pool.createSnapshot(1, 0);
      snap.write(BLOCK + 100, new byte[] {1, 2, 3});
      snap.write(BLOCK + 5000, new byte[] {4});
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(2);
      byte[] expect = old.clone();
      expect[100] = 1;
      expect[101] = 2;
      expect[102] = 3;
      expect[5000] = 4;
      assertThat(read(snap, BLOCK, BLOCK)).isEqualTo(expect);
      assertThat(read(origin, BLOCK, BLOCK)).isEqualTo(old);
      // The origin's block looks shared too (spec 8.5 over-reports): its write copies it, and
      // the old block, which nothing maps any more, is freed.
      origin.write(BLOCK, new byte[] {9});
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(2);
      assertThat(read(snap, BLOCK, BLOCK)).isEqualTo(expect);
      byte[] originNow = old.clone();
      originNow[0] = 9;
      assertThat(read(origin, BLOCK, BLOCK)).isEqualTo(originNow);
    }
    assertMetadataClean(dir);
  }

  @Test
  void discardUnmapsWholeBlocksOnlyAndWriteZeroesZeroesEverything() throws IOException {
    try (ThinPool pool = newPool(PoolOptions.ofDataSize(8 * MIB))) {
      ThinDevice dev = pool.createThin(0, MIB);
      dev.write(0, filled(4 * BLOCK, 0x11));
      dev.discard(100, 2 * BLOCK); // whole block 1 only
      assertThat(dev.status().mappedBlocks()).isEqualTo(3);
      assertThat(read(dev, 99, 1)).containsExactly(0x11);
      assertThat(read(dev, 100, BLOCK - 100)).containsOnly(0x11);
      assertThat(read(dev, BLOCK, BLOCK)).containsOnly(0);
      assertThat(read(dev, 2 * BLOCK, 101)).containsOnly(0x11);
      dev.writeZeroes(2 * BLOCK + 10, BLOCK + 20);
      assertThat(dev.status().mappedBlocks()).isEqualTo(3);
      assertThat(read(dev, 2 * BLOCK + 10, BLOCK + 20)).containsOnly(0);
      assertThat(read(dev, 2 * BLOCK + 9, 1)).containsExactly(0x11);
      assertThat(read(dev, 3 * BLOCK + 30, 1)).containsExactly(0x11);
      dev.writeZeroes(0, 4 * BLOCK);
      assertThat(dev.status().mappedBlocks()).isZero();
      dev.flush();
      assertThat(pool.status().dataBlocksUsed()).isZero();
    }
    assertMetadataClean(dir);
  }

  @Test
  void ignoreModeDiscardsNothing() throws IOException {
    try (ThinPool pool =
        newPool(PoolOptions.ofDataSize(8 * MIB).withDiscardMode(DiscardMode.IGNORE))) {
      ThinDevice dev = pool.createThin(0, MIB);
      dev.write(0, filled(2 * BLOCK, 0x22));
      dev.discard(0, 2 * BLOCK);
      assertThat(dev.status().mappedBlocks()).isEqualTo(2);
      assertThat(read(dev, 0, 2 * BLOCK)).containsOnly(0x22);
    }
  }

  @Test
  void ioOutsideTheDeviceIsRefused() throws IOException {
    try (ThinPool pool = newPool(PoolOptions.ofDataSize(8 * MIB))) {
      ThinDevice dev = pool.createThin(0, MIB);
      assertThatThrownBy(() -> dev.write(MIB - 1, new byte[2]))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> dev.read(-1, new byte[1]))
          .isInstanceOf(IllegalArgumentException.class);
      dev.write(MIB - 1, new byte[1]);
    }
  }

  @Test
  void outOfDataSpaceFailsWritesKeepsReadsAndRecoversAfterDiscard() throws IOException {
    try (ThinPool pool = newPool(PoolOptions.ofDataSize(4 * BLOCK))) {
      ThinDevice dev = pool.createThin(0, MIB);
      dev.write(0, filled(4 * BLOCK, 0x33));
      assertThatThrownBy(() -> dev.write(4 * BLOCK, new byte[1]))
          .isInstanceOf(OutOfSpaceException.class)
          .hasMessageContaining("out of data space");
      assertThat(pool.status().mode()).isEqualTo(PoolMode.OUT_OF_DATA_SPACE);
      assertThat(read(dev, 0, 4 * BLOCK)).containsOnly(0x33);
      dev.discard(0, BLOCK);
      dev.write(4 * BLOCK, new byte[] {1}); // commits to reuse the block freed in this tx
      assertThat(read(dev, 4 * BLOCK, 1)).containsExactly(1);
    }
    assertMetadataClean(dir);
  }

  @Test
  void twoWritersRacingOnOneSharedBlockLoseNothingAndCopyOnce() throws Exception {
    int writers = 8;
    int piece = BLOCK / writers;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try (ThinPool tp = newPool(PoolOptions.ofDataSize(16 * MIB))) {
      ThinDevice origin = tp.createThin(0, 64 * BLOCK);
      origin.write(0, filled(64 * BLOCK, 0x44));
      for (int round = 0; round < 20; round++) {
        ThinDevice snap = tp.createSnapshot(100 + round, round == 0 ? 0 : 99 + round);
        long usedBefore = tp.status().dataBlocksUsed();
        CyclicBarrier start = new CyclicBarrier(writers);
        List<Future<?>> done = new ArrayList<>();
        int r = round;
        for (int w = 0; w < writers; w++) {
          int wf = w;
          done.add(
              pool.submit(
                  () -> {
                    start.await();
                    snap.write((long) r * BLOCK + (long) wf * piece, filled(piece, wf + 1));
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get();
        }
        assertThat(tp.status().dataBlocksUsed()).isEqualTo(usedBefore + 1);
        byte[] b = read(snap, (long) round * BLOCK, BLOCK);
        for (int w = 0; w < writers; w++) {
          assertThat(java.util.Arrays.copyOfRange(b, w * piece, (w + 1) * piece))
              .containsOnly(w + 1);
        }
        assertThat(read(origin, (long) round * BLOCK, BLOCK)).containsOnly(0x44);
      }
    } finally {
      pool.shutdownNow();
    }
    assertMetadataClean(dir);
  }

  @Test
  void concurrentIoOnManyDevicesMatchesTheModel() throws Exception {
    int devices = 6;
    int size = (int) (1 * MIB);
    byte[][] model = new byte[devices][size];
    ExecutorService exec = Executors.newFixedThreadPool(devices);
    try (ThinPool pool = newPool(PoolOptions.ofDataSize(32 * MIB))) {
      ThinDevice base = pool.createThin(0, size);
      byte[] init = bytes(7, size);
      base.write(0, init);
      List<ThinDevice> devs = new ArrayList<>();
      for (int d = 0; d < devices; d++) {
        devs.add(pool.createSnapshot(d + 1, 0));
        model[d] = init.clone();
      }
      List<Future<?>> done = new ArrayList<>();
      for (int d = 0; d < devices; d++) {
        int dd = d;
        done.add(
            exec.submit(
                () -> {
                  Random rnd = new Random(dd);
                  for (int i = 0; i < 200; i++) {
                    int off = rnd.nextInt(size);
                    int len = Math.min(size - off, 1 + rnd.nextInt(BLOCK * 2));
                    byte[] b = bytes(dd * 1000L + i, len);
                    devs.get(dd).write(off, b);
                    System.arraycopy(b, 0, model[dd], off, len);
                    if (i % 37 == 0) {
                      devs.get(dd).flush();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      for (int d = 0; d < devices; d++) {
        assertThat(read(devs.get(d), 0, size)).as("device %d", d + 1).isEqualTo(model[d]);
      }
      assertThat(read(base, 0, size)).isEqualTo(init);
    } finally {
      exec.shutdownNow();
    }
    assertMetadataClean(dir);
  }
}

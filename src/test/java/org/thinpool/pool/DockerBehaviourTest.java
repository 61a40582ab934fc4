package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.KIB;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.allocatedBytes;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.filled;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue 3, item 9a-9e: what Docker's devicemapper documentation describes, at block level. */
class DockerBehaviourTest {
  private static final int BLOCK = (int) (64 * KIB);

  @TempDir Path dir;

  /** 9a. */
  @ParameterizedTest
  @ValueSource(ints = {1, 4096, 65_535, 65_536, 65_537, 1_000_000, 2 * 1024 * 1024})
  void writingNBytesAllocatesCeilNOverBlockSizeBlocks(int n) throws IOException {
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      ThinDevice dev = pool.createThin(0, 4 * MIB);
      dev.write(0, bytes(n, n));
      long expected = (n + BLOCK - 1L) / BLOCK;
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(expected);
      assertThat(dev.status().mappedBlocks()).isEqualTo(expected);
      assertThat(dev.status().highestMappedBlock()).isEqualTo(expected - 1);
    }
    assertMetadataClean(dir);
  }

  /** 9b. */
  @Test
  void changing4KiBInsideOneBlockOfASnapshotAllocatesExactlyOneBlock() throws IOException {
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      ThinDevice origin = pool.createThin(0, 2 * MIB);
      byte[] image = bytes(9, (int) (2 * MIB));
      origin.write(0, image);
      long used = pool.status().dataBlocksUsed();
      ThinDevice snap = pool.createSnapshot(1, 0);
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(used);
      byte[] change = filled(4096, 0x77);
      snap.write(7 * BLOCK + 8192, change);
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(used + 1);
      assertThat(read(origin, 0, image.length)).isEqualTo(image);
      byte[] expect = image.clone();
      System.arraycopy(change, 0, expect, 7 * BLOCK + 8192, 4096);
      assertThat(read(snap, 0, image.length)).isEqualTo(expect);
    }
    assertMetadataClean(dir);
  }

  /** 9c. */
  @Test
  void readsThroughAChainOf100SnapshotsReturnTheNearestAncestorsBlock() throws IOException {
    int chain = 100;
    int blocks = 16;
    int[][] model = new int[chain + 1][blocks]; // value written per vblock, 0 = never
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(32 * MIB))) {
      ThinDevice dev = pool.createThin(0, (long) blocks * BLOCK);
      for (int d = 0; d <= chain; d++) {
        if (d > 0) {
          dev = pool.createSnapshot(d, d - 1);
          model[d] = model[d - 1].clone();
        }
        int vblock = (d * 7) % blocks;
        dev.write((long) vblock * BLOCK, filled(BLOCK, d + 1));
        model[d][vblock] = d + 1;
      }
      for (int d : new int[] {0, 1, 50, 99, 100}) {
        ThinDevice t = pool.device(d);
        for (int v = 0; v < blocks; v++) {
          assertThat(read(t, (long) v * BLOCK, BLOCK))
              .as("device %d block %d", d, v)
              .containsOnly(model[d][v]);
        }
      }
    }
    assertMetadataClean(dir);
  }

  /** 9d. */
  @Test
  void deletingTheOriginKeepsEveryByteOfItsSnapshot() throws IOException {
    byte[] image = bytes(4, (int) (3 * MIB));
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      pool.createThin(0, 3 * MIB).write(0, image);
      ThinDevice snap = pool.createSnapshot(1, 0);
      pool.delete(0);
      assertThat(pool.deviceIds()).containsExactly(1L);
      assertThat(read(snap, 0, image.length)).isEqualTo(image);
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(48);
    }
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(read(pool.device(1), 0, image.length)).isEqualTo(image);
    }
  }

  /** 9d. */
  @Test
  void discardInASnapshotFreesNothingItsOriginStillUses() throws IOException {
    byte[] image = bytes(5, (int) (2 * MIB));
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      ThinDevice origin = pool.createThin(0, 2 * MIB);
      origin.write(0, image);
      ThinDevice snap = pool.createSnapshot(1, 0);
      snap.write(0, filled(BLOCK, 1)); // block 0 is now the snapshot's own
      long used = pool.status().dataBlocksUsed();
      snap.discard(0, 2 * MIB);
      snap.flush();
      assertThat(snap.status().mappedBlocks()).isZero();
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(used - 1);
      assertThat(read(origin, 0, image.length)).isEqualTo(image);
    }
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(read(pool.device(0), 0, image.length)).isEqualTo(image);
    }
  }

  /** 9e. */
  @Test
  void passdownShrinksTheDataFileAfterADelete() throws IOException {
    assertThat(allocatedAfterDelete(DiscardMode.PASSDOWN)).isLessThan(MIB);
  }

  /** 9e. */
  @Test
  void nopassdownKeepsTheDataFileAllocatedAfterADelete() throws IOException {
    assertThat(allocatedAfterDelete(DiscardMode.NOPASSDOWN)).isGreaterThanOrEqualTo(8 * MIB);
  }

  /** Writes 8 MiB to a device, deletes it, returns the data file's allocated bytes. */
  private long allocatedAfterDelete(DiscardMode mode) throws IOException {
    Path data = dir.resolve(ThinPool.DATA_FILE);
    try (ThinPool pool =
        ThinPool.create(dir, PoolOptions.ofDataSize(32 * MIB).withDiscardMode(mode))) {
      ThinDevice keep = pool.createThin(1, MIB);
      keep.write(0, filled(BLOCK, 3));
      ThinDevice dev = pool.createThin(0, 16 * MIB);
      dev.write(0, bytes(1, (int) (8 * MIB)));
      dev.flush();
      assertThat(allocatedBytes(data)).isGreaterThanOrEqualTo(8 * MIB);
      pool.delete(0);
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(1);
      assertThat(read(keep, 0, BLOCK)).containsOnly(3);
    }
    assertMetadataClean(dir);
    return allocatedBytes(data);
  }

  /** 9e, for discard rather than delete: passdown punches only after the commit. */
  @Test
  void passdownDiscardPunchesAfterTheCommitThatFreedTheBlocks() throws IOException {
    Path data = dir.resolve(ThinPool.DATA_FILE);
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(32 * MIB))) {
      ThinDevice dev = pool.createThin(0, 16 * MIB);
      dev.write(0, bytes(2, (int) (8 * MIB)));
      dev.flush();
      long before = allocatedBytes(data);
      dev.discard(0, 8 * MIB);
      assertThat(allocatedBytes(data)).isEqualTo(before);
      dev.flush();
      assertThat(allocatedBytes(data)).isLessThan(before - 7 * MIB);
      assertThat(read(dev, 0, (int) MIB)).containsOnly(0);
    }
    assertMetadataClean(dir);
  }
}

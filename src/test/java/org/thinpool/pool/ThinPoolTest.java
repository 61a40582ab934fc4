package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.thinpool.pool.PoolAssertions.KIB;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThinPoolTest {
  @TempDir Path dir;

  @Test
  void createsSparseFilesAndReopensWithDevicesSizesAndData() throws IOException {
    byte[] data = bytes(1, 200_000);
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(64 * MIB))) {
      ThinDevice dev = pool.createThin(1, 10 * MIB);
      dev.write(12_345, data);
      pool.createThin(7, 3 * MIB);
    }
    assertThat(Files.size(dir.resolve("data"))).isEqualTo(64 * MIB);
    assertThat(PoolAssertions.allocatedBytes(dir.resolve("data"))).isLessThan(2 * MIB);
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.deviceIds()).containsExactly(1L, 7L);
      assertThat(pool.device(1).sizeBytes()).isEqualTo(10 * MIB);
      assertThat(pool.device(7).sizeBytes()).isEqualTo(3 * MIB);
      assertThat(read(pool.device(1), 12_345, data.length)).isEqualTo(data);
      PoolStatus s = pool.status();
      assertThat(s.dataBlockSizeBytes()).isEqualTo(64 * KIB);
      assertThat(s.dataBlocksTotal()).isEqualTo(1024);
      assertThat(s.dataBlocksUsed()).isEqualTo(4); // 12 345 .. 212 345 touches blocks 0..3
      assertThat(s.mode()).isEqualTo(PoolMode.READ_WRITE);
      assertThat(s.transactionId()).isEqualTo(2); // one per device change
    }
  }

  @Test
  void blockSizeMustBeAMultipleOf64KiBUpTo1GiB() {
    assertThatThrownBy(() -> PoolOptions.ofDataSize(64 * MIB).withDataBlockSize(96 * KIB))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PoolOptions.ofDataSize(4L << 30).withDataBlockSize(2L << 30))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(PoolOptions.ofDataSize(64 * MIB).withDataBlockSize(192 * KIB).dataBlockCount())
        .isEqualTo(64 * MIB / (192 * KIB));
  }

  @Test
  void largeBlocksWork() throws IOException {
    try (ThinPool pool =
        ThinPool.create(dir, PoolOptions.ofDataSize(64 * MIB).withDataBlockSize(4 * MIB))) {
      ThinDevice dev = pool.createThin(0, 32 * MIB);
      byte[] data = bytes(2, 5000);
      dev.write(3 * MIB - 100, data);
      pool.createSnapshot(1, 0);
      byte[] more = bytes(3, 3000);
      dev.write(3 * MIB + 2000, more);
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(2);
      assertThat(read(pool.device(1), 3 * MIB - 100, 5000)).isEqualTo(data);
      byte[] expect = data.clone();
      System.arraycopy(more, 0, expect, 2100, 2900);
      assertThat(read(dev, 3 * MIB - 100, 5000)).isEqualTo(expect);
    }
    assertMetadataClean(dir);
  }

  @Test
  void defaultMetadataSizeIsThinMetadataSizeDoubledPlusSnapshotDivergence() {
    // 4 GiB of 64 KiB blocks: 65 536 blocks -> 521 leaves + 1000 roots, doubled, + 16 384 leaves.
    long blocks = (4L << 30) / (64 * KIB);
    assertThat(MetadataSizing.estimateBytes(blocks, 1000)).isEqualTo((521L + 1000) * 4096);
    assertThat(MetadataSizing.divergenceBytes(blocks)).isEqualTo(16_384L * 4096);
    assertThat(MetadataSizing.defaultSizeBytes(blocks))
        .isEqualTo((2 * (521L + 1000) + 16_384) * 4096);
    assertThat(MetadataSizing.defaultSizeBytes(16)).isEqualTo((2 * (1 + 1000) + 4) * 4096);
    // 1 TiB of 64 KiB blocks reaches the maximum the space map can address.
    assertThat(MetadataSizing.defaultSizeBytes((1L << 40) / (64 * KIB)))
        .isEqualTo(MetadataSizing.MAX_BYTES);
    assertThat(MetadataSizing.defaultSizeBytes(Long.MAX_VALUE / 8192))
        .isEqualTo(MetadataSizing.MAX_BYTES);
  }

  @Test
  void secondOpenerInTheSameProcessIsRefused() throws IOException {
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(8 * MIB))) {
      assertThatThrownBy(() -> ThinPool.open(dir))
          .isInstanceOf(PoolStateException.class)
          .hasMessageContaining("in use by process " + ProcessHandle.current().pid());
      assertThat(pool.status().mode()).isEqualTo(PoolMode.READ_WRITE);
    }
    ThinPool.open(dir).close();
  }

  @Test
  void secondOpenerInAnotherProcessIsToldItsPid() throws Exception {
    ThinPool.create(dir, PoolOptions.ofDataSize(8 * MIB)).close();
    // Another program taking the pool's lock as thinpool does: flock on the folder, pid in lock.
    String script =
        "import fcntl,os,sys,time\n"
            + "fd=os.open(sys.argv[1],os.O_RDONLY|os.O_DIRECTORY)\n"
            + "fcntl.flock(fd,fcntl.LOCK_EX)\n"
            + "open(sys.argv[1]+'/lock','w').write(str(os.getpid())+'\\n')\n"
            + "print('locked',flush=True)\n"
            + "time.sleep(60)\n";
    Process p = new ProcessBuilder("python3", "-c", script, dir.toString()).start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
      assertThat(out.readLine()).isEqualTo("locked");
      assertThatThrownBy(() -> ThinPool.open(dir))
          .isInstanceOf(PoolStateException.class)
          .hasMessageContaining("in use by process " + p.pid());
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    ThinPool.open(dir).close();
  }

  @Test
  void deviceWithoutRecordedSizeIsAdoptedAtTheEndOfItsHighestMappedBlock() throws IOException {
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      ThinDevice dev = pool.createThin(3, 8 * MIB);
      dev.write(5 * 64 * KIB + 10, new byte[] {1});
      pool.createThin(4, 8 * MIB);
    }
    Files.delete(dir.resolve(SizeTable.FILE_NAME));
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.device(3).sizeBytes()).isEqualTo(6 * 64 * KIB);
      assertThat(pool.device(4).sizeBytes()).isZero();
      pool.resize(4, MIB);
    }
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.device(3).sizeBytes()).isEqualTo(6 * 64 * KIB);
      assertThat(pool.device(4).sizeBytes()).isEqualTo(MIB);
    }
  }

  @Test
  void sizesFollowTheCommittedTransactionAfterACrashBeforeTheMetadataCommit() throws IOException {
    long tid;
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      pool.createThin(1, 2 * MIB);
      tid = pool.status().transactionId();
    }
    // A resize that wrote the sizes file, then crashed before its metadata commit.
    SizeTable.store(dir, tid, Map.of(1L, 2 * MIB), tid + 1, Map.of(1L, 9 * MIB));
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.device(1).sizeBytes()).isEqualTo(2 * MIB);
      pool.resize(1, 5 * MIB);
    }
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.device(1).sizeBytes()).isEqualTo(5 * MIB);
      assertThat(pool.status().transactionId()).isEqualTo(tid + 1);
    }
  }

  @Test
  void sizeTableTakesTheExactGenerationElseTheNewestBelow() throws IOException {
    SizeTable.store(dir, 4, Map.of(1L, 512L), 5, Map.of(1L, 1024L, 2L, 2048L));
    assertThat(SizeTable.load(dir, 4)).isEqualTo(Map.of(1L, 512L));
    assertThat(SizeTable.load(dir, 5)).isEqualTo(Map.of(1L, 1024L, 2L, 2048L));
    assertThat(SizeTable.load(dir, 9)).isEqualTo(Map.of(1L, 1024L, 2L, 2048L));
    assertThat(SizeTable.load(dir, 3)).isEmpty();
  }

  @Test
  void shrinkUnmapsTheTailAndGrowingAgainReadsZeros() throws IOException {
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      ThinDevice dev = pool.createThin(1, 2 * MIB);
      dev.write(0, PoolAssertions.filled((int) (2 * MIB), 0x5A));
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(32);
      pool.resize(1, 100 * KIB);
      assertThat(dev.status().mappedBlocks()).isEqualTo(2);
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(2);
      pool.resize(1, 2 * MIB);
      assertThat(read(dev, 100 * KIB - 1, 2)).containsExactly(0x5A, 0);
      assertThat(read(dev, MIB, 10)).containsOnly(0);
    }
    assertMetadataClean(dir);
  }

  @Test
  void growDataAddsBlocks() throws IOException {
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(8 * MIB))) {
      pool.growData(32 * MIB);
      assertThat(pool.status().dataBlocksTotal()).isEqualTo(512);
      pool.growMetadata(8 * MIB);
      assertThat(pool.status().metadataBlocksTotal()).isEqualTo(2048);
    }
    assertThat(Files.size(dir.resolve("data"))).isEqualTo(32 * MIB);
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.status().dataBlocksTotal()).isEqualTo(512);
    }
  }

  @Test
  void deviceChangesAreValidated() throws IOException {
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(8 * MIB))) {
      pool.createThin(1, MIB);
      assertThatThrownBy(() -> pool.createThin(1, MIB)).hasMessageContaining("already exists");
      assertThatThrownBy(() -> pool.createThin(1L << 24, MIB)).hasMessageContaining("outside");
      assertThatThrownBy(() -> pool.createSnapshot(2, 9)).hasMessageContaining("no thin device");
      assertThatThrownBy(() -> pool.delete(9)).hasMessageContaining("no thin device");
      assertThatThrownBy(() -> pool.createThin(2, 1000)).hasMessageContaining("multiple of 512");
      assertThat(pool.status().mode()).isEqualTo(PoolMode.READ_WRITE);
      pool.createThin(2, MIB);
    }
    assertMetadataClean(dir);
  }
}

package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.BlockDevice;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.thin.ThinMetadata;

/**
 * Commits cost only the syncs they need, counted, not timed: no data sync without a data write (or
 * punch) since the last one, no metadata commit without a metadata change, so a flush after
 * overwrites is one data sync and a snapshot of a quiet pool is one metadata commit.
 */
class SyncCountTest {
  @TempDir Path dir;

  /** Counts syncs and writes of a device. */
  static final class Counting implements BlockDevice {
    final BlockDevice inner;
    int syncs;
    int writes;
    int discards;

    Counting(BlockDevice inner) {
      this.inner = inner;
    }

    @Override
    public long sizeBytes() throws IOException {
      return inner.sizeBytes();
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) throws IOException {
      inner.read(offsetBytes, dst);
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src) throws IOException {
      writes++;
      inner.write(offsetBytes, src);
    }

    @Override
    public void sync() throws IOException {
      syncs++;
      inner.sync();
    }

    @Override
    public void discard(long offsetBytes, long lengthBytes) throws IOException {
      discards++;
      inner.discard(offsetBytes, lengthBytes);
    }

    @Override
    public void resize(long sizeBytes) throws IOException {
      inner.resize(sizeBytes);
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }

  private Counting meta;
  private Counting data;

  /** A pool made by {@link ThinPool#create}, reopened on counting devices. */
  private ThinPool openCounting() throws IOException {
    PoolSettings settings = PoolSettings.load(dir);
    meta = new Counting(FileBlockDevice.open(dir.resolve(ThinPool.METADATA_FILE)));
    data = new Counting(FileBlockDevice.open(dir.resolve(ThinPool.DATA_FILE)));
    ThinMetadata md = ThinMetadata.open(meta, false, BlockManager.DEFAULT_CACHE_BLOCKS);
    Map<Long, Long> sizes =
        PoolOpener.adoptSizes(
            md, SizeTable.load(dir, md.transactionId()), md.dataBlockSizeSectors() * 512);
    return new ThinPool(
        new PoolCore(
            dir,
            PoolLock.acquire(dir),
            md,
            new DataArea(data, md.dataBlockSizeSectors() * 512),
            settings,
            sizes,
            null));
  }

  @Test
  void quietCommitsSyncNothingAndFlushAfterOverwritesSyncsOnlyData() throws IOException {
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(64 * MIB))) {
      pool.createThin(1, 8 * MIB).write(0, bytes(1, 256 * 1024));
    }
    byte[] again = bytes(2, 4096);
    try (ThinPool pool = openCounting()) {
      pool.commit();
      pool.commit();
      assertThat(meta.syncs + meta.writes + data.syncs).isZero();

      ThinDevice dev = pool.device(1);
      dev.write(8192, again); // mapped and exclusive: in place, no metadata change
      dev.flush();
      assertThat(data.syncs).isEqualTo(1);
      assertThat(meta.syncs + meta.writes).isZero();

      dev.write(1 * MIB, again); // provisions: both
      dev.flush();
      assertThat(data.syncs).isEqualTo(2);
      assertThat(meta.syncs).isEqualTo(2); // the blocks, then the superblock
      pool.commit();
      assertThat(data.syncs).isEqualTo(2);
      assertThat(meta.syncs).isEqualTo(2);
    }
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(read(pool.device(1), 8192, 4096)).isEqualTo(again);
      assertThat(read(pool.device(1), 1 * MIB, 4096)).isEqualTo(again);
    }
  }

  @Test
  void aSnapshotOfAQuietPoolIsOneMetadataCommitAndNoDataSync() throws IOException {
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(64 * MIB))) {
      pool.createThin(1, 8 * MIB).write(0, bytes(1, 256 * 1024));
    }
    try (ThinPool pool = openCounting()) {
      pool.createSnapshot(2, 1);
      assertThat(data.syncs).isZero();
      assertThat(meta.syncs).isEqualTo(2);

      pool.device(1).write(0, bytes(3, 4096)); // copy-on-write: pending data and metadata
      pool.createSnapshot(3, 1); // commits that first, then the snapshot
      assertThat(data.syncs).isEqualTo(1);
      assertThat(meta.syncs).isEqualTo(2 + 2 + 2);
    }
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.deviceIds()).containsExactly(1L, 2L, 3L);
      assertThat(read(pool.device(3), 0, 4096)).isEqualTo(bytes(3, 4096));
      assertThat(read(pool.device(2), 0, 4096))
          .isEqualTo(Arrays.copyOf(bytes(1, 256 * 1024), 4096));
    }
  }

  @Test
  void aPunchIsSyncedByTheNextCommit() throws IOException {
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(64 * MIB))) {
      pool.createThin(1, 8 * MIB).write(0, bytes(1, 256 * 1024));
    }
    try (ThinPool pool = openCounting()) {
      pool.device(1).discard(0, 256 * 1024); // passdown (the default): punched after the commit
      pool.commit();
      assertThat(data.discards).isEqualTo(1);
      int before = data.syncs;
      pool.createSnapshot(2, 1);
      assertThat(data.syncs).isEqualTo(before + 1);
    }
  }
}

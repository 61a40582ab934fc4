package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.thinpool.pool.PoolAssertions.KIB;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.bytes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.thin.DeviceUsage;
import org.thinpool.thin.MetadataDumper;
import org.thinpool.thin.ThinMetadata;
import org.thinpool.thin.check.ThinLsReport;
import org.thinpool.thin.check.ThinLsRow;

/** ThinPool.usage: exclusive and shared data blocks per device, as thin_ls counts them. */
class DeviceUsageTest {
  private static final long BLOCK = 64 * KIB;

  @TempDir Path dir;

  @Test
  void aSnapshotSharesItsOriginsBlocksUntilEitherWrites() throws IOException {
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      pool.createThin(1, 4 * MIB).write(0, bytes(1, (int) (4 * BLOCK)));
      assertThat(pool.usage(1)).isEqualTo(new DeviceUsage(1, 4, 4, 0));

      pool.createSnapshot(2, 1);
      assertThat(pool.usage(1)).isEqualTo(new DeviceUsage(1, 4, 0, 4));
      assertThat(pool.usage(2)).isEqualTo(new DeviceUsage(2, 4, 0, 4));

      pool.device(2).write(BLOCK + 10, new byte[] {1}); // breaks the sharing of block 1
      pool.device(2).write(10 * BLOCK, new byte[] {2}); // a new block, the snapshot's own
      assertThat(pool.usage(1)).isEqualTo(new DeviceUsage(1, 4, 1, 3));
      assertThat(pool.usage(2)).isEqualTo(new DeviceUsage(2, 5, 2, 3));

      pool.delete(1);
      assertThat(pool.usage(2)).isEqualTo(new DeviceUsage(2, 5, 5, 0));
      assertThatThrownBy(() -> pool.usage(1)).isInstanceOf(IOException.class);
    }
  }

  @Test
  void agreesWithThinLsOnRandomSnapshotTrees() throws IOException {
    long seed = 20261203L;
    Random rnd = new Random(seed);
    List<Long> ids = new ArrayList<>();
    Map<Long, DeviceUsage> live = new TreeMap<>();
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(64 * MIB))) {
      pool.createThin(0, 2 * MIB);
      ids.add(0L);
      for (long next = 1; next < 40; next++) {
        long origin = ids.get(rnd.nextInt(ids.size()));
        int op = rnd.nextInt(4);
        if (op == 0 && ids.size() > 1) {
          pool.delete(ids.remove(rnd.nextInt(ids.size())));
        } else if (op == 1) {
          pool.createSnapshot(next, origin);
          ids.add(next);
        } else {
          long at = rnd.nextInt(32) * BLOCK + rnd.nextInt((int) BLOCK - 100);
          pool.device(origin).write(at, bytes(next, 100));
          if (op == 3) {
            pool.device(origin).discard(rnd.nextInt(16) * BLOCK, BLOCK * rnd.nextInt(3));
          }
        }
      }
      for (long id : pool.deviceIds()) {
        live.put(id, pool.usage(id));
      }
    }
    assertThat(live.values())
        .as("seed %d", seed)
        .containsExactlyElementsOf(thinLs().values())
        .anySatisfy(u -> assertThat(u.sharedBlocks()).isPositive())
        .anySatisfy(u -> assertThat(u.exclusiveBlocks()).isPositive());
  }

  /** The oracle: thin_ls's two passes over every device's mappings of the committed metadata. */
  private Map<Long, DeviceUsage> thinLs() throws IOException {
    Map<Long, DeviceUsage> out = new TreeMap<>();
    try (ThinMetadata md =
        ThinMetadata.open(
            FileBlockDevice.openReadOnly(dir.resolve(ThinPool.METADATA_FILE)),
            true,
            BlockManager.DEFAULT_CACHE_BLOCKS)) {
      ThinLsReport report =
          new ThinLsReport(md.dataBlockSizeSectors(), md.dataSpaceMap().nrBlocks());
      MetadataDumper.dump(md, report.countingPass());
      MetadataDumper.dump(md, report.classifyingPass());
      for (ThinLsRow r : report.rows()) {
        out.put(
            r.devId(),
            new DeviceUsage(r.devId(), r.mappedBlocks(), r.exclusiveBlocks(), r.sharedBlocks()));
      }
    }
    return out;
  }
}

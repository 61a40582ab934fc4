package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files of an open pool, copied as they are (what a crash of the process leaves, with the page
 * cache intact): the copy opens clean, with every flushed byte and the sizes of the last committed
 * transaction.
 */
class CrashImageTest {
  @TempDir Path dir;
  @TempDir Path copy;

  private void copyPoolFiles() throws IOException {
    for (String f : new String[] {"metadata", "data", "sizes", "pool.conf"}) {
      Files.copy(dir.resolve(f), copy.resolve(f));
    }
  }

  @Test
  void aCopyOfAnOpenPoolHoldsTheLastCommit() throws IOException {
    byte[] flushed = bytes(1, (int) MIB);
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(32 * MIB))) {
      ThinDevice dev = pool.createThin(1, 4 * MIB);
      dev.write(0, flushed);
      dev.flush();
      ThinDevice snap = pool.createSnapshot(2, 1);
      // Unflushed: overwrite in the snapshot (copy-on-write), new blocks in the origin.
      snap.write(100, bytes(2, 300_000));
      dev.write(2 * MIB, bytes(3, (int) MIB));
      dev.discard(0, MIB);
      copyPoolFiles();
    }
    assertMetadataClean(copy);
    try (ThinPool pool = ThinPool.open(copy)) {
      assertThat(pool.deviceIds()).containsExactly(1L, 2L);
      assertThat(pool.device(2).sizeBytes()).isEqualTo(4 * MIB);
      assertThat(read(pool.device(1), 0, (int) MIB)).isEqualTo(flushed);
      assertThat(read(pool.device(2), 0, (int) MIB)).isEqualTo(flushed);
      assertThat(read(pool.device(1), 2 * MIB, 10)).containsOnly(0);
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(16);
    }
  }
}

package org.thinpool.thin.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.io.MetadataCorruptException;
import org.thinpool.testing.Testdata;
import org.thinpool.thin.ThinMetadata;

/**
 * Any single byte flipped in a block of a committed pool is reported by check and by open/read
 * (checksum), never returned as data.
 */
class CorruptionTest {
  static MemoryBlockDevice pool() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(2L << 20);
    try (ThinMetadata md = ThinMetadata.format(dev, 128, 100_000, 64)) {
      md.createThin(1);
      for (long v = 0; v < 800; v++) {
        md.insertMapping(1, v * 3, md.allocDataBlock());
      }
      md.createSnap(2, 1);
      md.insertMapping(2, 5, md.allocDataBlock());
      md.createThin(3);
      md.commit();
    }
    return dev;
  }

  /** Reads everything a user can read: every device's every mapping. */
  static void readAll(MemoryBlockDevice dev) throws IOException {
    try (ThinMetadata md = ThinMetadata.open(dev, true, 64)) {
      for (long id : md.deviceIds()) {
        md.visitMappings(id, 0, Long.MAX_VALUE, (v, m) -> true);
        md.details(id);
      }
    }
  }

  @Test
  void everyFlippedByteInAUsedBlockIsReported() throws IOException {
    MemoryBlockDevice base = pool();
    long blocks = base.sizeBytes() / 4096;
    boolean[] used = new boolean[(int) blocks];
    try (ThinMetadata md = ThinMetadata.open(base.copy(), true, 64)) {
      for (int b = 0; b < blocks; b++) {
        used[b] = md.metadataSpaceMap().refCount(b) > 0;
      }
    }
    Random rng = new Random(42);
    int flipsPerBlock = Testdata.longRun() ? 64 : 6;
    int tested = 0;
    for (int b = 0; b < blocks; b++) {
      if (!used[b]) {
        continue;
      }
      for (int i = 0; i < flipsPerBlock; i++) {
        int offset = i == 0 ? 0 : rng.nextInt(4096);
        MemoryBlockDevice bad = base.copy();
        flip(bad, b * 4096L + offset, 1 + rng.nextInt(255));
        String where = "block " + b + " offset " + offset;
        assertThat(PoolCheck.run(bad).clean()).as(where).isFalse();
        assertThatThrownBy(() -> readAll(bad))
            .as(where)
            .isInstanceOf(MetadataCorruptException.class)
            .hasMessageContaining("block " + b);
        tested++;
      }
    }
    assertThat(tested).isGreaterThan(30);
  }

  private static void flip(MemoryBlockDevice dev, long offset, int xor) {
    ByteBuffer one = ByteBuffer.allocate(1);
    dev.read(offset, one);
    byte v = (byte) (one.get(0) ^ xor);
    dev.write(offset, ByteBuffer.wrap(new byte[] {v}));
  }
}

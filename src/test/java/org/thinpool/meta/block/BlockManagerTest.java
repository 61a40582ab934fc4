package org.thinpool.meta.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.io.MetadataCorruptException;

class BlockManagerTest {
  @Test
  void cacheNeverHoldsMoreThanItsBoundOfUnheldBlocks() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(4096L * 2000);
    BlockManager bm = new BlockManager(dev, 32, false);
    for (long b = 1; b < 2000; b++) {
      try (WriteBlock w = bm.zero(b, BlockType.BITMAP)) {
        w.putU64(16, b * 7);
      }
      assertThat(bm.cachedBlocks()).isLessThanOrEqualTo(32);
    }
    bm.flush();
    for (long b = 1; b < 2000; b++) {
      try (ReadBlock r = bm.read(b, BlockType.BITMAP)) {
        assertThat(r.u64(16)).isEqualTo(b * 7);
      }
      assertThat(bm.cachedBlocks()).isLessThanOrEqualTo(32);
    }
  }

  @Test
  void badChecksumWrongBlockNumberAndWrongMagicNameTheBlockAndType() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(4096L * 8);
    BlockManager bm = new BlockManager(dev, 16, false);
    try (WriteBlock w = bm.zero(3, BlockType.BTREE_NODE)) {
      w.putU32(4, 2);
      w.putU32(20, 252);
      w.putU32(24, 8);
    }
    bm.flush();
    byte[] copy = bm.readRaw(3);
    dev.write(5 * 4096L, ByteBuffer.wrap(copy));
    dev.write(3 * 4096L + 100, ByteBuffer.wrap(new byte[] {1}));
    BlockManager fresh = new BlockManager(dev, 16, true);
    assertThatThrownBy(() -> fresh.read(3, BlockType.BTREE_NODE))
        .isInstanceOf(MetadataCorruptException.class)
        .hasMessageContaining("bad checksum").hasMessageContaining("btree node, block 3");
    assertThatThrownBy(() -> fresh.read(5, BlockType.BTREE_NODE))
        .isInstanceOf(MetadataCorruptException.class)
        .hasMessageContaining("claims to be block 3");
    assertThatThrownBy(() -> fresh.read(0, BlockType.SUPERBLOCK))
        .isInstanceOf(MetadataCorruptException.class)
        .hasMessageContaining("superblock, block 0");
    byte[] sb = new byte[4096];
    Checksums.seal(sb, BlockType.SUPERBLOCK);
    dev.write(0, ByteBuffer.wrap(sb));
    BlockManager third = new BlockManager(dev, 16, true);
    assertThatThrownBy(() -> third.read(0, BlockType.SUPERBLOCK))
        .isInstanceOf(MetadataCorruptException.class).hasMessageContaining("bad magic");
  }

  @Test
  void checksumMatchesTheSpecWorkedExample() throws IOException {
    byte[] block = java.nio.file.Files.readAllBytes(
        org.thinpool.testing.Testdata.dmThin().resolve("snapshot.meta"));
    byte[] b0 = java.util.Arrays.copyOf(block, 4096);
    assertThat(Checksums.compute(b0, BlockType.SUPERBLOCK)).isEqualTo(0xDDF410DD);
    assertThat(Checksums.stored(b0)).isEqualTo(0xDDF410DD);
  }
}

package org.thinpool.meta.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.io.MetadataCorruptException;

class BlockManagerTest {
  /** A type with nothing of its own to check. */
  static final BlockType PLAIN = new BlockType("plain block", 240779, BlockValidator.COMMON_ONLY);

  /** A type whose owner insists on the value 7 at offset 16. */
  static final BlockType SEVENS =
      new BlockType(
          "sevens block",
          121107,
          b -> {
            if (b.u32(16) != 7) {
              throw new MetadataCorruptException(b.blockNr(), "sevens block", "no 7 at 16");
            }
          });

  static final BlockType ROOT = new BlockType("root block", 160774, BlockValidator.COMMON_ONLY);

  @Test
  void cacheNeverHoldsMoreThanItsBoundOfUnheldBlocks() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(4096L * 2000);
    BlockManager bm = new BlockManager(dev, 32, false);
    for (long b = 1; b < 2000; b++) {
      try (WriteBlock w = bm.zero(b, PLAIN)) {
        w.putU64(16, b * 7);
      }
      assertThat(bm.cachedBlocks()).isLessThanOrEqualTo(32);
    }
    bm.flush();
    for (long b = 1; b < 2000; b++) {
      try (ReadBlock r = bm.read(b, PLAIN)) {
        assertThat(r.u64(16)).isEqualTo(b * 7);
      }
      assertThat(bm.cachedBlocks()).isLessThanOrEqualTo(32);
    }
  }

  @Test
  void badChecksumWrongBlockNumberAndTheOwnersCheckNameTheBlockAndType() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(4096L * 8);
    BlockManager bm = new BlockManager(dev, 16, false);
    try (WriteBlock w = bm.zero(3, SEVENS)) {
      w.putU32(16, 7);
    }
    bm.flush();
    byte[] copy = bm.readRaw(3);
    dev.write(5 * 4096L, ByteBuffer.wrap(copy));
    dev.write(3 * 4096L + 100, ByteBuffer.wrap(new byte[] {1}));
    BlockManager fresh = new BlockManager(dev, 16, true);
    assertThatThrownBy(() -> fresh.read(3, SEVENS))
        .isInstanceOf(MetadataCorruptException.class)
        .hasMessageContaining("bad checksum")
        .hasMessageContaining("sevens block, block 3");
    assertThatThrownBy(() -> fresh.read(5, SEVENS))
        .isInstanceOf(MetadataCorruptException.class)
        .hasMessageContaining("claims to be block 3");
    assertThatThrownBy(() -> fresh.read(0, ROOT))
        .isInstanceOf(MetadataCorruptException.class)
        .hasMessageContaining("root block, block 0");
    byte[] six = new byte[4096];
    six[16] = 6;
    MetadataBlock.putU64(six, MetadataBlock.OFFSET_BLOCKNR, 6);
    Checksums.seal(six, SEVENS);
    dev.write(6 * 4096L, ByteBuffer.wrap(six));
    assertThatThrownBy(() -> fresh.read(6, SEVENS))
        .isInstanceOf(MetadataCorruptException.class)
        .hasMessageContaining("no 7 at 16");
  }

  @Test
  void aBlockOfAnotherTypeIsNamedByItsSalt() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(4096L * 8);
    BlockManager bm = new BlockManager(dev, 16, false);
    try (WriteBlock w = bm.zero(2, PLAIN)) {
      w.putU32(16, 7);
    }
    bm.flush();
    BlockManager fresh = new BlockManager(dev, 16, true);
    try (ReadBlock r = fresh.read(2, PLAIN)) {
      assertThat(r.u32(16)).isEqualTo(7);
    }
    fresh.clearCache();
    assertThatThrownBy(() -> fresh.read(2, SEVENS))
        .hasMessageContaining("bad checksum (the block is a valid plain block)");
  }

  @Test
  void theOwnersCheckRunsBeforeABlockIsWritten() throws IOException {
    BlockManager bm = new BlockManager(new MemoryBlockDevice(4096L * 8), 16, false);
    try (WriteBlock w = bm.zero(4, SEVENS)) {
      w.putU32(16, 8);
    }
    assertThatThrownBy(bm::flush).hasMessageContaining("no 7 at 16");
  }

  @Test
  void theSuperblockIsRefusedWhileABlockIsDirty() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(4096L * 8);
    BlockManager bm = new BlockManager(dev, 16, false);
    try (WriteBlock w = bm.zero(1, PLAIN)) {
      w.putU32(16, 1);
    }
    assertThatThrownBy(() -> bm.writeSuperblock(ROOT, new byte[4096]))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("out of order");
    bm.flush();
    bm.writeSuperblock(ROOT, new byte[4096]);
    try (ReadBlock r = new BlockManager(dev, 16, true).read(0, ROOT)) {
      assertThat(r.blockNr()).isZero();
    }
  }

  @Test
  void checksumMatchesTheSpecWorkedExample() throws IOException {
    byte[] block =
        java.nio.file.Files.readAllBytes(
            org.thinpool.testing.Testdata.dmThin().resolve("snapshot.meta"));
    byte[] b0 = java.util.Arrays.copyOf(block, 4096);
    assertThat(Checksums.compute(b0, ROOT)).isEqualTo(0xDDF410DD);
    assertThat(Checksums.stored(b0)).isEqualTo(0xDDF410DD);
  }
}

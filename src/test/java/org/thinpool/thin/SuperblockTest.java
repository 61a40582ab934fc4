package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.io.MetadataCorruptException;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.meta.block.Checksums;
import org.thinpool.testing.Testdata;

/** Every superblock field, against the spec's worked example (golden snapshot.meta). */
class SuperblockTest {
  @Test
  void decodesEveryFieldAndEncodesTheSameBytes() throws IOException {
    byte[] file = Files.readAllBytes(Testdata.dmThin().resolve("snapshot.meta"));
    byte[] block = Arrays.copyOf(file, 4096);
    Superblock sb = Superblock.decode(0, block);
    assertThat(sb.flags()).isZero();
    assertThat(sb.version()).isEqualTo(2);
    assertThat(sb.time()).isEqualTo(1);
    assertThat(sb.transactionId()).isEqualTo(2);
    assertThat(sb.metadataSnap()).isZero();
    assertThat(sb.dataSpaceMap().nrBlocks()).isEqualTo(64);
    assertThat(sb.dataSpaceMap().nrAllocated()).isEqualTo(20);
    assertThat(sb.dataSpaceMap().bitmapRoot()).isEqualTo(4);
    assertThat(sb.dataSpaceMap().refCountRoot()).isEqualTo(5);
    assertThat(sb.metadataSpaceMap().nrBlocks()).isEqualTo(12);
    assertThat(sb.metadataSpaceMap().bitmapRoot()).isEqualTo(1);
    assertThat(sb.metadataSpaceMap().refCountRoot()).isEqualTo(2);
    assertThat(sb.dataMappingRoot()).isEqualTo(7);
    assertThat(sb.deviceDetailsRoot()).isEqualTo(6);
    assertThat(sb.dataBlockSizeSectors()).isEqualTo(128);
    assertThat(sb.metadataNrBlocks()).isEqualTo(12);
    assertThat(sb.compatFlags()).isZero();
    assertThat(sb.compatRoFlags()).isZero();
    assertThat(sb.incompatFlags()).isZero();

    byte[] again = sb.encode();
    Checksums.seal(again, Superblock.BLOCK_TYPE);
    assertThat(again).isEqualTo(block);
  }

  @Test
  void refusesUnknownIncompatFlagsAndBadBlockSizes() throws IOException {
    byte[] file = Files.readAllBytes(Testdata.dmThin().resolve("snapshot.meta"));
    byte[] block = Arrays.copyOf(file, 4096);
    block[360] = 1;
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Superblock.decode(0, block))
        .hasMessageContaining("incompat");
    byte[] other = Arrays.copyOf(file, 4096);
    other[336] = 100;
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Superblock.decode(0, other))
        .hasMessageContaining("data block size");
  }

  @Test
  void theBlockManagerChecksTheMagicThroughTheSuperblocksType() throws IOException {
    byte[] sb = new byte[4096];
    Checksums.seal(sb, Superblock.BLOCK_TYPE);
    MemoryBlockDevice dev = new MemoryBlockDevice(4096L * 4);
    dev.write(0, ByteBuffer.wrap(sb));
    BlockManager bm = new BlockManager(dev, 16, true);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Superblock.read(bm, 0))
        .isInstanceOf(MetadataCorruptException.class)
        .hasMessageContaining("superblock, block 0")
        .hasMessageContaining("bad magic 0");
  }
}

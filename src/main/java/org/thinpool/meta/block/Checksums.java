package org.thinpool.meta.block;

import java.util.zip.CRC32C;

/**
 * The metadata block checksum (spec 1.3): CRC-32C of bytes 4..4095 with the register left
 * uninverted, XOR the block type's salt, stored little-endian in bytes 0..3.
 */
public final class Checksums {
  /** The checksum covers everything after itself. */
  private static final int CHECKED_FROM = MetadataBlock.OFFSET_CSUM + 4;

  private Checksums() {}

  /** The checksum a block of the given type with these contents must carry. */
  public static int compute(byte[] block, BlockType type) {
    CRC32C crc = new CRC32C();
    crc.update(block, CHECKED_FROM, MetadataBlock.SIZE_BYTES - CHECKED_FROM);
    return (int) (crc.getValue() ^ 0xFFFFFFFFL ^ (type.salt() & 0xFFFFFFFFL));
  }

  /** The checksum stored in bytes 0..3. */
  public static int stored(byte[] block) {
    return (int) MetadataBlock.u32(block, MetadataBlock.OFFSET_CSUM);
  }

  /** Computes and stores the checksum; call after every other byte is final. */
  public static void seal(byte[] block, BlockType type) {
    MetadataBlock.putU32(block, MetadataBlock.OFFSET_CSUM, compute(block, type) & 0xFFFFFFFFL);
  }
}

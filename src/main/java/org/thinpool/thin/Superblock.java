package org.thinpool.thin;

import java.util.Arrays;
import org.thinpool.io.MetadataCorruptException;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.space.SpaceMapRoot;

/**
 * The superblock (block 0; also the metadata-snapshot copy). Codec for spec section 2.
 *
 * <pre>
 * offset size field
 *      0    4 csum                 salt 160774 (set by the block manager)
 *      4    4 flags                bit 0 = NEEDS_CHECK
 *      8    8 blocknr              own location
 *     16   16 uuid
 *     32    8 magic                27022010
 *     40    4 version              2
 *     44    4 time                 snapshot epoch
 *     48    8 trans_id
 *     56    8 metadata_snap        held root, 0 = none
 *     64  128 data_space_map_root
 *    192  128 metadata_space_map_root
 *    320    8 data_mapping_root
 *    328    8 device_details_root
 *    336    4 data_block_size      sectors
 *    340    4 metadata_block_size  8
 *    344    8 metadata_nr_blocks
 *    352    4 compat_flags
 *    356    4 compat_ro_flags
 *    360    4 incompat_flags
 *    364 3732 zero
 * </pre>
 */
public record Superblock(
    long flags,
    byte[] uuid,
    long version,
    long time,
    long transactionId,
    long metadataSnap,
    SpaceMapRoot dataSpaceMap,
    SpaceMapRoot metadataSpaceMap,
    long dataMappingRoot,
    long deviceDetailsRoot,
    long dataBlockSizeSectors,
    long metadataNrBlocks,
    long compatFlags,
    long compatRoFlags,
    long incompatFlags) {

  public static final long MAGIC = 27022010L;
  public static final long CURRENT_VERSION = 2;
  public static final long FLAG_NEEDS_CHECK = 1;
  public static final long METADATA_BLOCK_SIZE_SECTORS = 8;
  /** Data block size bounds in sectors: 64 KiB to 1 GiB, a multiple of 64 KiB (spec 2). */
  public static final long MIN_DATA_BLOCK_SECTORS = 128;

  public static final long MAX_DATA_BLOCK_SECTORS = 2_097_152;

  public Superblock {
    uuid = uuid == null ? new byte[16] : Arrays.copyOf(uuid, 16);
  }

  public boolean needsCheck() {
    return (flags & FLAG_NEEDS_CHECK) != 0;
  }

  /** Decodes and sanity-checks a validated superblock block image. */
  public static Superblock decode(long blockNr, byte[] b) throws MetadataCorruptException {
    Superblock sb =
        new Superblock(
            MetadataBlock.u32(b, 4),
            Arrays.copyOfRange(b, 16, 32),
            MetadataBlock.u32(b, 40),
            MetadataBlock.u32(b, 44),
            MetadataBlock.u64(b, 48),
            MetadataBlock.u64(b, 56),
            decodeRoot(blockNr, b, 64),
            decodeRoot(blockNr, b, 192),
            MetadataBlock.u64(b, 320),
            MetadataBlock.u64(b, 328),
            MetadataBlock.u32(b, 336),
            MetadataBlock.u64(b, 344),
            MetadataBlock.u32(b, 352),
            MetadataBlock.u32(b, 356),
            MetadataBlock.u32(b, 360));
    long dbs = sb.dataBlockSizeSectors;
    if (dbs < MIN_DATA_BLOCK_SECTORS || dbs > MAX_DATA_BLOCK_SECTORS || dbs % 128 != 0) {
      throw new MetadataCorruptException(
          blockNr, "superblock", "data block size of " + dbs + " sectors is invalid");
    }
    if (MetadataBlock.u32(b, 340) != METADATA_BLOCK_SIZE_SECTORS) {
      throw new MetadataCorruptException(
          blockNr, "superblock", "metadata block size " + MetadataBlock.u32(b, 340) + " != 8");
    }
    if (sb.incompatFlags != 0) {
      throw new MetadataCorruptException(
          blockNr, "superblock", "unknown incompat flags " + sb.incompatFlags);
    }
    return sb;
  }

  private static SpaceMapRoot decodeRoot(long blockNr, byte[] b, int off)
      throws MetadataCorruptException {
    try {
      return SpaceMapRoot.decode(b, off);
    } catch (IllegalArgumentException e) {
      throw new MetadataCorruptException(blockNr, "superblock", e.getMessage());
    }
  }

  /** Encodes into a fresh 4096-byte image (checksum and blocknr are the writer's job). */
  public byte[] encode() {
    byte[] b = new byte[MetadataBlock.SIZE_BYTES];
    MetadataBlock.putU32(b, 4, flags);
    System.arraycopy(uuid, 0, b, 16, 16);
    MetadataBlock.putU64(b, 32, MAGIC);
    MetadataBlock.putU32(b, 40, version);
    MetadataBlock.putU32(b, 44, time);
    MetadataBlock.putU64(b, 48, transactionId);
    MetadataBlock.putU64(b, 56, metadataSnap);
    if (dataSpaceMap != null) {
      dataSpaceMap.encode(b, 64);
    }
    if (metadataSpaceMap != null) {
      metadataSpaceMap.encode(b, 192);
    }
    MetadataBlock.putU64(b, 320, dataMappingRoot);
    MetadataBlock.putU64(b, 328, deviceDetailsRoot);
    MetadataBlock.putU32(b, 336, dataBlockSizeSectors);
    MetadataBlock.putU32(b, 340, METADATA_BLOCK_SIZE_SECTORS);
    MetadataBlock.putU64(b, 344, metadataNrBlocks);
    MetadataBlock.putU32(b, 352, compatFlags);
    MetadataBlock.putU32(b, 356, compatRoFlags);
    MetadataBlock.putU32(b, 360, incompatFlags);
    return b;
  }

  public Superblock withRoots(
      long time,
      long transactionId,
      long flags,
      long metadataSnap,
      SpaceMapRoot data,
      SpaceMapRoot metadata,
      long mappingRoot,
      long detailsRoot) {
    return new Superblock(
        flags, uuid, version, time, transactionId, metadataSnap, data, metadata, mappingRoot,
        detailsRoot, dataBlockSizeSectors, metadataNrBlocks, compatFlags, compatRoFlags,
        incompatFlags);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Superblock s && Arrays.equals(encode(), s.encode());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encode());
  }

  @Override
  public String toString() {
    return "Superblock[time=" + time + ", transactionId=" + transactionId + ", mappingRoot="
        + dataMappingRoot + ", detailsRoot=" + deviceDetailsRoot + "]";
  }
}

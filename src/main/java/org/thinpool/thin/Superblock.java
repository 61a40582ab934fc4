package org.thinpool.thin;

import java.io.IOException;
import java.util.Arrays;
import org.thinpool.io.MetadataCorruptException;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.meta.block.BlockType;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.space.SpaceMapRoot;

/**
 * The superblock (block 0; also the metadata-snapshot copy). Codec for spec section 2.
 *
 * <pre>
 * offset size field
 *      0    4 csum                 salt SALT (set by the block manager)
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

  /** Checksum salt of the superblock and its metadata-snapshot copy (spec 1.2). */
  public static final int SALT = 160774;

  /** The superblock's block type: its owner's check is the magic number. */
  public static final BlockType BLOCK_TYPE =
      new BlockType("superblock", SALT, Superblock::validate);

  public static final long MAGIC = 27022010L;
  public static final long CURRENT_VERSION = 2;
  public static final long FLAG_NEEDS_CHECK = 1;
  public static final long METADATA_BLOCK_SIZE_SECTORS = 8;

  /** Data block size bounds in sectors: 64 KiB to 1 GiB, a multiple of 64 KiB (spec 2). */
  public static final long MIN_DATA_BLOCK_SECTORS = 128;

  public static final long MAX_DATA_BLOCK_SECTORS = 2_097_152;

  private static final int OFFSET_FLAGS = 4;
  private static final int OFFSET_UUID = 16;
  private static final int UUID_BYTES = 16;
  private static final int OFFSET_MAGIC = 32;
  private static final int OFFSET_VERSION = 40;
  private static final int OFFSET_TIME = 44;
  private static final int OFFSET_TRANS_ID = 48;
  private static final int OFFSET_METADATA_SNAP = 56;
  private static final int OFFSET_DATA_SPACE_MAP_ROOT = 64;
  private static final int OFFSET_METADATA_SPACE_MAP_ROOT = 192;
  private static final int OFFSET_DATA_MAPPING_ROOT = 320;
  private static final int OFFSET_DEVICE_DETAILS_ROOT = 328;
  private static final int OFFSET_DATA_BLOCK_SIZE = 336;
  private static final int OFFSET_METADATA_BLOCK_SIZE = 340;
  private static final int OFFSET_METADATA_NR_BLOCKS = 344;
  private static final int OFFSET_COMPAT_FLAGS = 352;
  private static final int OFFSET_COMPAT_RO_FLAGS = 356;
  private static final int OFFSET_INCOMPAT_FLAGS = 360;

  public Superblock {
    uuid = uuid == null ? new byte[UUID_BYTES] : Arrays.copyOf(uuid, UUID_BYTES);
  }

  public boolean needsCheck() {
    return (flags & FLAG_NEEDS_CHECK) != 0;
  }

  /** The validator the block manager runs on every superblock read or written. */
  private static void validate(ReadBlock b) throws MetadataCorruptException {
    long magic = b.u64(OFFSET_MAGIC);
    if (magic != MAGIC) {
      throw new MetadataCorruptException(
          b.blockNr(), BLOCK_TYPE.description(), "bad magic " + magic + ", expected " + MAGIC);
    }
  }

  /** Reads, validates and decodes the superblock (or its copy) at {@code blockNr}. */
  public static Superblock read(BlockManager blocks, long blockNr) throws IOException {
    byte[] img = new byte[MetadataBlock.SIZE_BYTES];
    try (ReadBlock b = blocks.read(blockNr, BLOCK_TYPE)) {
      b.copyTo(img);
    }
    return decode(blockNr, img);
  }

  /** Decodes and sanity-checks a validated superblock block image. */
  public static Superblock decode(long blockNr, byte[] b) throws MetadataCorruptException {
    Superblock sb =
        new Superblock(
            MetadataBlock.u32(b, OFFSET_FLAGS),
            Arrays.copyOfRange(b, OFFSET_UUID, OFFSET_UUID + UUID_BYTES),
            MetadataBlock.u32(b, OFFSET_VERSION),
            MetadataBlock.u32(b, OFFSET_TIME),
            MetadataBlock.u64(b, OFFSET_TRANS_ID),
            MetadataBlock.u64(b, OFFSET_METADATA_SNAP),
            decodeRoot(blockNr, b, OFFSET_DATA_SPACE_MAP_ROOT),
            decodeRoot(blockNr, b, OFFSET_METADATA_SPACE_MAP_ROOT),
            MetadataBlock.u64(b, OFFSET_DATA_MAPPING_ROOT),
            MetadataBlock.u64(b, OFFSET_DEVICE_DETAILS_ROOT),
            MetadataBlock.u32(b, OFFSET_DATA_BLOCK_SIZE),
            MetadataBlock.u64(b, OFFSET_METADATA_NR_BLOCKS),
            MetadataBlock.u32(b, OFFSET_COMPAT_FLAGS),
            MetadataBlock.u32(b, OFFSET_COMPAT_RO_FLAGS),
            MetadataBlock.u32(b, OFFSET_INCOMPAT_FLAGS));
    long dbs = sb.dataBlockSizeSectors;
    if (dbs < MIN_DATA_BLOCK_SECTORS || dbs > MAX_DATA_BLOCK_SECTORS || dbs % 128 != 0) {
      throw new MetadataCorruptException(
          blockNr, "superblock", "data block size of " + dbs + " sectors is invalid");
    }
    long mbs = MetadataBlock.u32(b, OFFSET_METADATA_BLOCK_SIZE);
    if (mbs != METADATA_BLOCK_SIZE_SECTORS) {
      throw new MetadataCorruptException(
          blockNr, "superblock", "metadata block size " + mbs + " != 8");
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
    MetadataBlock.putU32(b, OFFSET_FLAGS, flags);
    System.arraycopy(uuid, 0, b, OFFSET_UUID, UUID_BYTES);
    MetadataBlock.putU64(b, OFFSET_MAGIC, MAGIC);
    MetadataBlock.putU32(b, OFFSET_VERSION, version);
    MetadataBlock.putU32(b, OFFSET_TIME, time);
    MetadataBlock.putU64(b, OFFSET_TRANS_ID, transactionId);
    MetadataBlock.putU64(b, OFFSET_METADATA_SNAP, metadataSnap);
    if (dataSpaceMap != null) {
      dataSpaceMap.encode(b, OFFSET_DATA_SPACE_MAP_ROOT);
    }
    if (metadataSpaceMap != null) {
      metadataSpaceMap.encode(b, OFFSET_METADATA_SPACE_MAP_ROOT);
    }
    MetadataBlock.putU64(b, OFFSET_DATA_MAPPING_ROOT, dataMappingRoot);
    MetadataBlock.putU64(b, OFFSET_DEVICE_DETAILS_ROOT, deviceDetailsRoot);
    MetadataBlock.putU32(b, OFFSET_DATA_BLOCK_SIZE, dataBlockSizeSectors);
    MetadataBlock.putU32(b, OFFSET_METADATA_BLOCK_SIZE, METADATA_BLOCK_SIZE_SECTORS);
    MetadataBlock.putU64(b, OFFSET_METADATA_NR_BLOCKS, metadataNrBlocks);
    MetadataBlock.putU32(b, OFFSET_COMPAT_FLAGS, compatFlags);
    MetadataBlock.putU32(b, OFFSET_COMPAT_RO_FLAGS, compatRoFlags);
    MetadataBlock.putU32(b, OFFSET_INCOMPAT_FLAGS, incompatFlags);
    return b;
  }

  /**
   * The image of the metadata snapshot's copy of this superblock (spec 8.6): the same, but with no
   * space-map roots and no held snapshot of its own.
   */
  public byte[] encodeMetadataSnapCopy() {
    return withRoots(time, transactionId, flags, 0, null, null, dataMappingRoot, deviceDetailsRoot)
        .encode();
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
        flags,
        uuid,
        version,
        time,
        transactionId,
        metadataSnap,
        data,
        metadata,
        mappingRoot,
        detailsRoot,
        dataBlockSizeSectors,
        metadataNrBlocks,
        compatFlags,
        compatRoFlags,
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
    return "Superblock[time="
        + time
        + ", transactionId="
        + transactionId
        + ", mappingRoot="
        + dataMappingRoot
        + ", detailsRoot="
        + deviceDetailsRoot
        + "]";
  }
}

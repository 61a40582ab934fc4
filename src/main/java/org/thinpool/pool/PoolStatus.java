package org.thinpool.pool;

import org.thinpool.meta.tx.SpaceMap;
import org.thinpool.thin.ThinMetadata;

/**
 * A snapshot of the pool's state, the fields of {@code dmsetup status} for a thin-pool target.
 *
 * @param transactionId the user-space transaction id in the committed or open transaction
 * @param metadataBlocksUsed allocated 4 KiB metadata blocks
 * @param metadataBlocksTotal metadata blocks the space map covers
 * @param dataBlocksUsed allocated data blocks
 * @param dataBlocksTotal data blocks the space map covers
 * @param dataBlockSizeBytes the data block size
 * @param mode rw, ro or out_of_data_space
 * @param discardMode what discards do
 * @param zeroing whether new blocks are zeroed before a partial write
 * @param needsCheck the superblock's needs_check flag
 * @param readOnlyReason why the pool is read-only, or null
 */
public record PoolStatus(
    long transactionId,
    long metadataBlocksUsed,
    long metadataBlocksTotal,
    long dataBlocksUsed,
    long dataBlocksTotal,
    long dataBlockSizeBytes,
    PoolMode mode,
    DiscardMode discardMode,
    boolean zeroing,
    boolean needsCheck,
    String readOnlyReason) {

  /**
   * The status of committed or open metadata {@code md}: read-only when there is a {@code
   * readOnlyReason}, else out of data space when no data block is free, else read-write.
   */
  static PoolStatus of(
      ThinMetadata md,
      long dataBlockSizeBytes,
      PoolSettings settings,
      boolean needsCheck,
      String readOnlyReason) {
    SpaceMap ds = md.dataSpaceMap();
    SpaceMap ms = md.metadataSpaceMap();
    PoolMode mode =
        readOnlyReason != null
            ? PoolMode.READ_ONLY
            : ds.nrFree() == 0 ? PoolMode.OUT_OF_DATA_SPACE : PoolMode.READ_WRITE;
    return new PoolStatus(
        md.transactionId(),
        ms.nrAllocated(),
        ms.nrBlocks(),
        ds.nrAllocated(),
        ds.nrBlocks(),
        dataBlockSizeBytes,
        mode,
        settings.discardMode(),
        settings.zeroing(),
        needsCheck,
        readOnlyReason);
  }
}

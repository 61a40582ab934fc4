package org.thinpool.thin;

import java.util.Objects;

/**
 * The superblock values that {@code thin_dump} prints, in its attribute order.
 *
 * @param uuid the pool uuid as text ({@code thin_dump} 0.9.0 always prints {@code ""})
 * @param time the pool time (u32), bumped by every snapshot
 * @param transactionId the pool's transaction id (u64, set by userspace)
 * @param flags superblock flags (u32; 1 = needs_check)
 * @param version metadata format version (u32; the kernel writes 2)
 * @param dataBlockSizeSectors sectors of 512 bytes per data block (u32)
 * @param nrDataBlocks size of the data space map in blocks (u64)
 */
public record SuperblockInfo(
    String uuid,
    long time,
    long transactionId,
    long flags,
    long version,
    long dataBlockSizeSectors,
    long nrDataBlocks) {

  /** dm-thin counts data block sizes and device sizes in sectors of this many bytes. */
  public static final long SECTOR_BYTES = 512;

  /** Largest value of an unsigned 32-bit on-disk field. */
  public static final long MAX_U32 = 0xFFFF_FFFFL;

  public SuperblockInfo {
    Objects.requireNonNull(uuid, "uuid");
    requireU32("time", time);
    requireNonNegative("transactionId", transactionId);
    requireU32("flags", flags);
    requireU32("version", version);
    requireU32("dataBlockSizeSectors", dataBlockSizeSectors);
    requireNonNegative("nrDataBlocks", nrDataBlocks);
  }

  /** The data block size in bytes. */
  public long dataBlockSizeBytes() {
    return dataBlockSizeSectors * SECTOR_BYTES;
  }

  public static void requireNonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative: " + value);
    }
  }

  public static void requireU32(String name, long value) {
    if (value < 0 || value > MAX_U32) {
      throw new IllegalArgumentException(name + " must fit in 32 bits unsigned: " + value);
    }
  }
}

package org.thinpool.thin;

import static org.thinpool.thin.SuperblockInfo.requireNonNegative;
import static org.thinpool.thin.SuperblockInfo.requireU32;

/**
 * One thin device's entry in the details tree, as {@code thin_dump} prints it.
 *
 * @param devId the thin id (u32)
 * @param mappedBlocks the details' {@code mapped_blocks} (u64); {@code thin_restore} ignores the
 *     XML value and recounts, {@code thin_ls} prints the stored value
 * @param transactionId the pool transaction id when the device was created (u64)
 * @param creationTime the pool time when the device was created (u32)
 * @param snapTime the pool time of the device's last snapshot (u32)
 */
public record DeviceInfo(
    long devId, long mappedBlocks, long transactionId, long creationTime, long snapTime) {

  public DeviceInfo {
    requireU32("devId", devId);
    requireNonNegative("mappedBlocks", mappedBlocks);
    requireNonNegative("transactionId", transactionId);
    requireU32("creationTime", creationTime);
    requireU32("snapTime", snapTime);
  }
}

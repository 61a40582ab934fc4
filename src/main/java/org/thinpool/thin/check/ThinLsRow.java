package org.thinpool.thin.check;

import static org.thinpool.thin.SuperblockInfo.requireNonNegative;
import static org.thinpool.thin.SuperblockInfo.requireU32;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * One device's line of thin_ls, in blocks.
 *
 * @param devId the thin id
 * @param mappedBlocks the details' {@code mapped_blocks}, as thin_ls 0.9.0 prints it
 * @param exclusiveBlocks mappings whose data block no other mapping points at
 * @param sharedBlocks {@code mappedBlocks - exclusiveBlocks} (0 if the details undercount)
 * @param transactionId the details' transaction id
 * @param creationTime the details' creation time
 * @param snapTime the details' snapshot time
 * @param sizeBytes the virtual size of the device, if the caller knows it (it is not metadata)
 */
public record ThinLsRow(
    long devId,
    long mappedBlocks,
    long exclusiveBlocks,
    long sharedBlocks,
    long transactionId,
    long creationTime,
    long snapTime,
    OptionalLong sizeBytes) {

  public ThinLsRow {
    requireU32("devId", devId);
    requireNonNegative("mappedBlocks", mappedBlocks);
    requireNonNegative("exclusiveBlocks", exclusiveBlocks);
    requireNonNegative("sharedBlocks", sharedBlocks);
    requireNonNegative("transactionId", transactionId);
    requireU32("creationTime", creationTime);
    requireU32("snapTime", snapTime);
    Objects.requireNonNull(sizeBytes, "sizeBytes");
    sizeBytes.ifPresent(s -> requireNonNegative("sizeBytes", s));
  }
}

package org.thinpool.pool;

/**
 * One thin device's status, the fields of {@code dmsetup status} for a thin target.
 *
 * @param id the 24-bit thin id
 * @param sizeBytes the virtual size
 * @param mappedBlocks provisioned data blocks (the details' mapped_blocks)
 * @param highestMappedBlock the highest mapped virtual block, or -1 if none is mapped
 */
public record ThinStatus(long id, long sizeBytes, long mappedBlocks, long highestMappedBlock) {}

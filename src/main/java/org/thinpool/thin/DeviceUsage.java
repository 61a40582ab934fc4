package org.thinpool.thin;

import java.io.IOException;
import org.thinpool.io.MetadataCorruptException;
import org.thinpool.meta.tx.SpaceMap;

/**
 * How much of the pool's data space one thin device holds: its mapped data blocks, split into the
 * blocks no other mapping references (exclusive: deleting the device frees them) and the rest
 * (shared with its snapshots or origin). The split is what {@code thin_ls} reports as EXCLUSIVE and
 * SHARED; here it is read from reference counts, so it costs one walk of this device's mappings,
 * not thin_ls's walk of every device's. A mapping is shared if its data block's count is above 1 or
 * if a node on its path in the device's tree is shared: a snapshot shares its origin's tree root
 * and the data blocks' counts go up only when a shared leaf is copied. (A held metadata snapshot
 * shares nodes too, so it makes blocks count as shared, as it keeps them from being freed.)
 *
 * @param devId the thin id
 * @param mappedBlocks mappings walked (equals the details' mapped_blocks on consistent metadata)
 * @param exclusiveBlocks mapped data blocks whose reference count is 1
 * @param sharedBlocks mapped data blocks that other mappings reference too
 */
public record DeviceUsage(long devId, long mappedBlocks, long exclusiveBlocks, long sharedBlocks) {
  public DeviceUsage {
    if (exclusiveBlocks < 0 || sharedBlocks < 0 || exclusiveBlocks + sharedBlocks != mappedBlocks) {
      throw new IllegalArgumentException(
          "bad usage of device "
              + devId
              + ": "
              + exclusiveBlocks
              + " exclusive + "
              + sharedBlocks
              + " shared != "
              + mappedBlocks
              + " mapped");
    }
  }

  /** Walks device {@code id}'s mappings in {@code md} (the caller holds it still meanwhile). */
  public static DeviceUsage of(ThinMetadata md, long id) throws IOException {
    md.requireDevice(id);
    SpaceMap data = md.dataSpaceMap();
    long[] counts = new long[2]; // exclusive, shared
    md.visitMappingsSharing(
        id,
        (vblock, m, pathShared) -> {
          long refs = data.refCount(m.dataBlock());
          if (refs < 1) {
            throw new MetadataCorruptException(
                m.dataBlock(),
                "data space map",
                "device " + id + " maps virtual block " + vblock + " to a free data block");
          }
          counts[refs == 1 && !pathShared ? 0 : 1]++;
          return true;
        });
    return new DeviceUsage(id, counts[0] + counts[1], counts[0], counts[1]);
  }
}

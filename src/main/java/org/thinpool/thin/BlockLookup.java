package org.thinpool.thin;

/**
 * What a virtual block of a thin device maps to now (the kernel's dm_thin_find_block result):
 * nothing, or a data block and whether it is shared, i.e. mapped before the device's latest
 * snapshot (or origin) was taken, so that a write must copy it first (break sharing). A shared
 * block may since have been released by every other device; dm-thin copies it anyway, and so do we:
 * the answer depends on times alone, never on reference counts.
 *
 * <p>The write path switches on it exhaustively. The read path, which needs no sharing answer and
 * runs once per request, asks {@link ThinMetadata#findDataBlock} instead, which allocates nothing.
 */
public sealed interface BlockLookup permits BlockLookup.Unmapped, BlockLookup.Mapped {
  /** The one value for an unprovisioned block. */
  BlockLookup UNMAPPED = new Unmapped();

  /** The virtual block is not provisioned: it reads as zeros; a write provisions it. */
  record Unmapped() implements BlockLookup {}

  /** The virtual block lives in {@code dataBlock}; if {@code shared}, copy before writing. */
  record Mapped(long dataBlock, boolean shared) implements BlockLookup {
    public Mapped {
      if (dataBlock < 0 || dataBlock > Mapping.MAX_DATA_BLOCK) {
        throw new IllegalArgumentException("data block " + dataBlock);
      }
    }
  }
}

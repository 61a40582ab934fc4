package org.thinpool.pool;

/**
 * The default metadata size: {@code thin_metadata_size}'s estimate (thin-provisioning-tools 1.x,
 * {@code src/thin/metadata_size.rs}), doubled, plus room for snapshots' copies of mapping leaves.
 *
 * <pre>
 *   estimate   = ceil(nr_data_blocks / 126) * 4 KiB   leaves of the mapping trees, assumed half
 *                                                     full (252 entries per leaf / 2)
 *              + max_thins * 4 KiB                    one root per thin device
 *   divergence = ceil(nr_data_blocks / 4) * 4 KiB     one copied leaf per 4 data blocks
 *   default    = 2 * estimate + divergence            within [MIN_BYTES, MAX_BYTES], whole blocks
 * </pre>
 *
 * <p>with {@code max_thins} = {@value #ASSUMED_MAX_THINS}. thin_metadata_size counts one copy of
 * every mapping; doubling it covers the space-map bitmaps and fuller use. It does not count what
 * snapshots cost: a device and its snapshot share their mapping leaves until one of them writes,
 * and then the writer gets its own copy of that leaf (4 KiB) for a single data block. The worst
 * case is a leaf per data block (writes scattered over many snapshots, a leaf each); a chain of 64
 * snapshots, each writing 1,024 blocks scattered over a 512 GiB device (the chain benchmark), needs
 * 0.19 leaves per data block (12,395 metadata blocks for 65,536 data blocks, where the estimate
 * alone gives 3,058). The divergence term reserves 0.25. LVM's default (64 bytes per data block)
 * would not hold that chain either. The file is sparse, so the room costs no disk space until it is
 * used, and the memory it costs is the metadata space map's bitmaps (4 KiB per 16,320 blocks, 1 MiB
 * at the maximum). A full metadata device stops writes cleanly (the pool turns read-only, nothing
 * is lost) and {@code thinpool grow} enlarges it.
 */
public final class MetadataSizing {
  /** Entries per mapping leaf that thin_metadata_size assumes (half of 252). */
  static final long ENTRIES_PER_LEAF = 126;

  /** thin devices and snapshots reserved for when no number is given (a Docker-sized host). */
  static final long ASSUMED_MAX_THINS = 1000;

  /** Data blocks per leaf copied by snapshot divergence (see the class comment). */
  static final long DATA_BLOCKS_PER_COPIED_LEAF = 4;

  static final long METADATA_BLOCK_BYTES = 4096;

  /** The kernel suggests at least 2 MiB; 4 MiB keeps small test pools out of trouble. */
  public static final long MIN_BYTES = 4L << 20;

  /** The metadata space map addresses 255 bitmaps * 16 320 blocks of 4 KiB (about 15.8 GiB). */
  public static final long MAX_BYTES = 255L * 16_320 * METADATA_BLOCK_BYTES;

  private MetadataSizing() {}

  /** thin_metadata_size's estimate in bytes, without headroom or bounds. */
  public static long estimateBytes(long nrDataBlocks, long maxThins) {
    long leaves = (nrDataBlocks + ENTRIES_PER_LEAF - 1) / ENTRIES_PER_LEAF;
    return (leaves + maxThins) * METADATA_BLOCK_BYTES;
  }

  /** Room for the leaves that writes to snapshots and their origins copy. */
  public static long divergenceBytes(long nrDataBlocks) {
    long leaves = (nrDataBlocks + DATA_BLOCKS_PER_COPIED_LEAF - 1) / DATA_BLOCKS_PER_COPIED_LEAF;
    return leaves * METADATA_BLOCK_BYTES;
  }

  /** The size a new pool's metadata file gets when none is given (whole metadata blocks). */
  public static long defaultSizeBytes(long nrDataBlocks) {
    // Beyond MAX_BYTES data blocks the divergence term alone exceeds MAX_BYTES: cut there, so
    // the sum cannot overflow.
    long n = Math.min(nrDataBlocks, MAX_BYTES);
    long bytes = 2 * estimateBytes(n, ASSUMED_MAX_THINS) + divergenceBytes(n);
    return Math.clamp(bytes, MIN_BYTES, MAX_BYTES);
  }
}

package org.thinpool.pool;

/**
 * The default metadata size, computed like {@code thin_metadata_size} (thin-provisioning-tools
 * 1.x, {@code src/thin/metadata_size.rs}):
 *
 * <pre>
 *   estimate = ceil(nr_data_blocks / 126) * 4 KiB     leaves of the mapping trees, assumed half
 *                                                     full (252 entries per leaf / 2)
 *            + max_thins * 4 KiB                      one root per thin device
 * </pre>
 *
 * <p>with {@code max_thins} = {@value #ASSUMED_MAX_THINS}. The default is then {@code 2 *
 * estimate} (headroom for the space-map bitmaps and for leaves that copy-on-write duplicates after
 * snapshots), at least {@link #MIN_BYTES} and at most {@link #MAX_BYTES}, rounded up to a whole
 * metadata block. The file is sparse, so headroom costs no disk space until it is used.
 */
public final class MetadataSizing {
  /** Entries per mapping leaf that thin_metadata_size assumes (half of 252). */
  static final long ENTRIES_PER_LEAF = 126;

  /** thin devices and snapshots reserved for when no number is given (a Docker-sized host). */
  static final long ASSUMED_MAX_THINS = 1000;

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

  /** The size a new pool's metadata file gets when none is given. */
  public static long defaultSizeBytes(long nrDataBlocks) {
    long bytes = 2 * estimateBytes(nrDataBlocks, ASSUMED_MAX_THINS);
    bytes = Math.clamp(bytes, MIN_BYTES, MAX_BYTES);
    return (bytes + METADATA_BLOCK_BYTES - 1) / METADATA_BLOCK_BYTES * METADATA_BLOCK_BYTES;
  }
}

package org.thinpool.meta.space;

import java.util.Arrays;
import org.thinpool.meta.block.MetadataBlock;

/**
 * The 32 bytes of a space-map root inside the superblock's 128-byte field (spec 5.1).
 *
 * <pre>
 * offset size field
 *      0    8 nr_blocks       blocks tracked
 *      8    8 nr_allocated    blocks with a non-zero count
 *     16    8 bitmap_root     metadata sm: index block; data sm: index b-tree root
 *     24    8 ref_count_root  overflow b-tree root (counts >= 3)
 *     32   96 zero
 * </pre>
 */
public record SpaceMapRoot(long nrBlocks, long nrAllocated, long bitmapRoot, long refCountRoot) {
  /** Size of the field in the superblock. */
  public static final int FIELD_BYTES = 128;

  private static final int OFFSET_NR_BLOCKS = 0;
  private static final int OFFSET_NR_ALLOCATED = 8;
  private static final int OFFSET_BITMAP_ROOT = 16;
  private static final int OFFSET_REF_COUNT_ROOT = 24;

  public SpaceMapRoot {
    if (nrBlocks < 0 || nrAllocated < 0 || nrAllocated > nrBlocks) {
      throw new IllegalArgumentException(
          "space map root with " + nrAllocated + " of " + nrBlocks + " blocks allocated");
    }
  }

  public static SpaceMapRoot decode(byte[] block, int offset) {
    return new SpaceMapRoot(
        MetadataBlock.u64(block, offset + OFFSET_NR_BLOCKS),
        MetadataBlock.u64(block, offset + OFFSET_NR_ALLOCATED),
        MetadataBlock.u64(block, offset + OFFSET_BITMAP_ROOT),
        MetadataBlock.u64(block, offset + OFFSET_REF_COUNT_ROOT));
  }

  public void encode(byte[] block, int offset) {
    Arrays.fill(block, offset, offset + FIELD_BYTES, (byte) 0);
    MetadataBlock.putU64(block, offset + OFFSET_NR_BLOCKS, nrBlocks);
    MetadataBlock.putU64(block, offset + OFFSET_NR_ALLOCATED, nrAllocated);
    MetadataBlock.putU64(block, offset + OFFSET_BITMAP_ROOT, bitmapRoot);
    MetadataBlock.putU64(block, offset + OFFSET_REF_COUNT_ROOT, refCountRoot);
  }
}

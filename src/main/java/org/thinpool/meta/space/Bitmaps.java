package org.thinpool.meta.space;

import org.thinpool.meta.block.BlockType;
import org.thinpool.meta.block.BlockValidator;
import org.thinpool.meta.block.MetadataBlock;

/**
 * Codec of a space-map bitmap block (spec 5.2): 2-bit entries, 16 320 per block.
 *
 * <pre>
 * offset size field
 *      0    4 csum      salt {@link #SALT}
 *      4    4 not_used
 *      8    8 blocknr
 *     16 4080 entries   entry e in byte 16 + e / 4
 * </pre>
 *
 * <p>With {@code s = 2 * (e % 4)}, bit {@code s} of the entry's byte is the high bit (weight 2) and
 * bit {@code s + 1} the low bit. Values: 0 free, 1, 2, 3 = "3 or more, see the overflow tree".
 */
public final class Bitmaps {
  /** Checksum salt of bitmap blocks (spec 1.2). */
  public static final int SALT = 240779;

  /** Every 2-bit value is a valid count: nothing to check beyond the common header. */
  public static final BlockType BLOCK_TYPE =
      new BlockType("space map bitmap", SALT, BlockValidator.COMMON_ONLY);

  public static final int HEADER_BYTES = 16;

  /** Four 2-bit entries a byte. */
  private static final int ENTRIES_PER_BYTE = 4;

  public static final int ENTRIES_PER_BITMAP =
      (MetadataBlock.SIZE_BYTES - HEADER_BYTES) * ENTRIES_PER_BYTE;

  private Bitmaps() {}

  public static int get(byte[] block, int entry) {
    int b = block[HEADER_BYTES + (entry >>> 2)];
    int s = (entry & 3) << 1;
    return (((b >>> s) & 1) << 1) | ((b >>> (s + 1)) & 1);
  }

  public static void set(byte[] block, int entry, int value) {
    int idx = HEADER_BYTES + (entry >>> 2);
    int s = (entry & 3) << 1;
    int bits = ((value >>> 1) & 1) << s | (value & 1) << (s + 1);
    int mask = 3 << s;
    block[idx] = (byte) ((block[idx] & ~mask) | bits);
  }

  /** Index of the first entry in [from, limit) whose value is 0, or -1. */
  public static int findFree(byte[] block, int from, int limit) {
    for (int e = from; e < limit; e++) {
      if ((e & 3) == 0
          && e + 4 <= limit
          && block[HEADER_BYTES + (e >>> 2)] != 0
          && allUsed(block[HEADER_BYTES + (e >>> 2)])) {
        e += 3;
        continue;
      }
      if (get(block, e) == 0) {
        return e;
      }
    }
    return -1;
  }

  private static boolean allUsed(byte b) {
    for (int s = 0; s < 8; s += 2) {
      if (((b >>> s) & 3) == 0) {
        return false;
      }
    }
    return true;
  }

  /** Number of bitmaps needed for {@code nrBlocks} blocks. */
  public static int bitmapCount(long nrBlocks) {
    return (int) ((nrBlocks + ENTRIES_PER_BITMAP - 1) / ENTRIES_PER_BITMAP);
  }
}

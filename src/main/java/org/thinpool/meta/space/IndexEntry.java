package org.thinpool.meta.space;

import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/**
 * One bitmap's index entry (spec 5.3), 16 bytes: a value of the data space map's index tree and an
 * entry of the metadata space map's index block ({@link MetadataIndex}).
 *
 * <pre>
 * offset size field
 *      0    8 blocknr           the bitmap block
 *      8    4 nr_free           entries with count 0 in this bitmap
 *     12    4 none_free_before  hint: no free entry below this index
 * </pre>
 */
public record IndexEntry(long blockNr, long nrFree, long noneFreeBefore) {
  public static final int SIZE_BYTES = 16;
  private static final int OFFSET_BLOCKNR = 0;
  private static final int OFFSET_NR_FREE = 8;
  private static final int OFFSET_NONE_FREE_BEFORE = 12;

  public IndexEntry {
    if (nrFree < 0 || nrFree > Bitmaps.ENTRIES_PER_BITMAP || noneFreeBefore < 0) {
      throw new IllegalArgumentException("bad index entry " + nrFree + "/" + noneFreeBefore);
    }
  }

  static IndexEntry decode(ReadBlock b, int offset) {
    return new IndexEntry(
        blockNr(b, offset),
        b.u32(offset + OFFSET_NR_FREE),
        b.u32(offset + OFFSET_NONE_FREE_BEFORE));
  }

  /** Just the bitmap's block number of the entry at {@code offset}. */
  static long blockNr(ReadBlock b, int offset) {
    return b.u64(offset + OFFSET_BLOCKNR);
  }

  void encode(WriteBlock b, int offset) {
    b.putU64(offset + OFFSET_BLOCKNR, blockNr);
    b.putU32(offset + OFFSET_NR_FREE, nrFree);
    b.putU32(offset + OFFSET_NONE_FREE_BEFORE, noneFreeBefore);
  }
}

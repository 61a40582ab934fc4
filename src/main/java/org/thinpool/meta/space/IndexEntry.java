package org.thinpool.meta.space;

/**
 * One bitmap's index entry (spec 5.3), 16 bytes.
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

  public IndexEntry {
    if (nrFree < 0 || nrFree > Bitmaps.ENTRIES_PER_BITMAP || noneFreeBefore < 0) {
      throw new IllegalArgumentException("bad index entry " + nrFree + "/" + noneFreeBefore);
    }
  }
}

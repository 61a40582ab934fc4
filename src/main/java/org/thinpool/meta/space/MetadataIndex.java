package org.thinpool.meta.space;

import org.thinpool.meta.block.BlockType;
import org.thinpool.meta.block.BlockValidator;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/**
 * Codec of the metadata space map's index block (spec 5.4): the index entries of all its bitmaps in
 * one block.
 *
 * <pre>
 * offset          size field
 *      0             4 csum      salt {@link #SALT}
 *      4             4 padding
 *      8             8 blocknr
 *     16  16 * 255 = 4080 entries  {@link IndexEntry} of bitmap k at 16 + 16 * k
 * </pre>
 */
public final class MetadataIndex {
  /** Checksum salt of the index block (spec 1.2). */
  public static final int SALT = 160478;

  /**
   * Nothing to check beyond the common header: every entry is read against the superblock's block
   * count by the space map that loads it, and a bitmap location through the block manager.
   */
  public static final BlockType BLOCK_TYPE =
      new BlockType("metadata space map index", SALT, BlockValidator.COMMON_ONLY);

  static final int OFFSET_ENTRIES = 16;

  /** 255 entries fill the block: the metadata space map's bitmap limit. */
  public static final int MAX_ENTRIES =
      (MetadataBlock.SIZE_BYTES - OFFSET_ENTRIES) / IndexEntry.SIZE_BYTES;

  private MetadataIndex() {}

  private static int entryOffset(int k) {
    if (k < 0 || k >= MAX_ENTRIES) {
      throw new AssertionError("index entry " + k + " beyond " + MAX_ENTRIES);
    }
    return OFFSET_ENTRIES + IndexEntry.SIZE_BYTES * k;
  }

  /** The block number of bitmap {@code k}, from its index entry. */
  public static long bitmapLocation(ReadBlock index, int k) {
    return IndexEntry.blockNr(index, entryOffset(k));
  }

  static void setEntry(WriteBlock index, int k, IndexEntry e) {
    e.encode(index, entryOffset(k));
  }
}

package org.thinpool.thin.check;

import org.thinpool.thin.Mapping;

/**
 * How many mappings point at each data block, saturating at "more than one": the {@code
 * mapping_set} of thin_ls, in two bits per data block.
 *
 * <pre>
 * bits  meaning
 *  00   unmapped
 *  01   exactly one mapping (exclusive)
 *  10   two or more mappings (shared)
 * </pre>
 *
 * <p>Counters live in pages of {@value #BLOCKS_PER_PAGE} blocks (16 KiB), allocated on first use,
 * so a pool of a few million data blocks costs about 2 bits per block and sparse or out-of-range
 * block numbers cost one page each. The page table starts sized for the pool and grows on demand.
 */
final class DataBlockCounter {
  private static final int PAGE_SHIFT = 16;
  static final int BLOCKS_PER_PAGE = 1 << PAGE_SHIFT;
  private static final int BLOCKS_PER_LONG = Long.SIZE / 2;
  private static final int LONGS_PER_PAGE = BLOCKS_PER_PAGE / BLOCKS_PER_LONG;

  /** Data block numbers are 40 bits wide in a mapping (spec 3.4). */
  private static final long MAX_DATA_BLOCKS = Mapping.MAX_DATA_BLOCK + 1;

  /** Page table limit: data blocks are 40-bit numbers (spec 3.4), so 2^24 pages cover them. */
  private static final int MAX_PAGES = (int) (MAX_DATA_BLOCKS >>> PAGE_SHIFT);

  private long[][] pages;

  /** Sizes the page table for data blocks {@code 0 .. nrDataBlocks-1}; more are still accepted. */
  DataBlockCounter(long nrDataBlocks) {
    long wanted = (Math.min(nrDataBlocks, MAX_DATA_BLOCKS) >>> PAGE_SHIFT) + 1;
    pages = new long[(int) Math.min(wanted, MAX_PAGES)][];
  }

  /** Counts one more mapping of {@code dataBlock}. */
  void inc(long dataBlock) {
    long[] page = page(dataBlock);
    int index = (int) (dataBlock & (BLOCKS_PER_PAGE - 1));
    int word = index / BLOCKS_PER_LONG;
    int shift = (index % BLOCKS_PER_LONG) * 2;
    if (((page[word] >>> shift) & 3) < 2) {
      page[word] += 1L << shift;
    }
  }

  /** 0 if unmapped, 1 if mapped exactly once, 2 if mapped more than once. */
  int count(long dataBlock) {
    checkRange(dataBlock);
    int p = (int) (dataBlock >>> PAGE_SHIFT);
    if (p >= pages.length || pages[p] == null) {
      return 0;
    }
    int index = (int) (dataBlock & (BLOCKS_PER_PAGE - 1));
    return (int) (pages[p][index / BLOCKS_PER_LONG] >>> ((index % BLOCKS_PER_LONG) * 2)) & 3;
  }

  private long[] page(long dataBlock) {
    checkRange(dataBlock);
    int p = (int) (dataBlock >>> PAGE_SHIFT);
    if (p >= pages.length) {
      long[][] grown = new long[(int) Math.min(MAX_PAGES, Math.max(p + 1L, 2L * pages.length))][];
      System.arraycopy(pages, 0, grown, 0, pages.length);
      pages = grown;
    }
    if (pages[p] == null) {
      pages[p] = new long[LONGS_PER_PAGE];
    }
    return pages[p];
  }

  private static void checkRange(long dataBlock) {
    if (dataBlock < 0 || dataBlock >= MAX_DATA_BLOCKS) {
      throw new IllegalArgumentException("data block out of range: " + dataBlock);
    }
  }
}

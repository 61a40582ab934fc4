package org.thinpool.meta.btree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;
import org.thinpool.meta.space.Bitmaps;
import org.thinpool.meta.space.MetadataIndex;
import org.thinpool.thin.Superblock;

/**
 * Completes a {@link TestPool} holding dm-thin trees into a whole metadata image (space maps and
 * superblock, spec 2 and 5), so that the real thin_check can judge the trees. The metadata space
 * map is written from the test space map's counts, the data space map from given data counts.
 */
final class ThinImage {
  static final int ENTRIES_PER_BITMAP = 16_320;
  static final long DATA_BLOCKS = 1L << 20;
  static final int DATA_BLOCK_SECTORS = 128;

  private ThinImage() {}

  /** Device details (24 bytes): mapped_blocks, transaction_id, creation_time, snapshotted_time. */
  static final ValueType<long[]> DETAILS = new LongFields(new int[] {8, 8, 4, 4});

  /** Space map index entry (16 bytes): bitmap block, nr_free, none_free_before. */
  static final ValueType<long[]> INDEX_ENTRY = new LongFields(new int[] {8, 4, 4});

  /** Values made of little-endian u64 / u32 fields. */
  private record LongFields(int[] widths) implements ValueType<long[]> {
    @Override
    public int sizeBytes() {
      return Arrays.stream(widths).sum();
    }

    @Override
    public long[] decode(ReadBlock node, int offset) {
      long[] v = new long[widths.length];
      for (int i = 0, at = offset; i < widths.length; at += widths[i++]) {
        v[i] = widths[i] == 8 ? node.u64(at) : node.u32(at);
      }
      return v;
    }

    @Override
    public void encode(WriteBlock node, int offset, long[] v) {
      for (int i = 0, at = offset; i < widths.length; at += widths[i++]) {
        if (widths[i] == 8) {
          node.putU64(at, v[i]);
        } else {
          node.putU32(at, v[i]);
        }
      }
    }

    @Override
    public boolean sameValue(long[] a, long[] b) {
      return Arrays.equals(a, b);
    }
  }

  /**
   * Writes both space maps and the superblock for the given tree roots and data block counts, then
   * copies the device into {@code file}.
   */
  static void write(
      TestPool pool, long mappingRoot, long detailsRoot, Map<Long, Long> dataCounts, Path file)
      throws IOException {
    byte[] sb = new byte[MetadataBlock.SIZE_BYTES];
    writeDataSpaceMap(pool, dataCounts, sb);
    writeMetadataSpaceMap(pool, sb);
    MetadataBlock.putU64(sb, 32, 27_022_010L); // magic
    MetadataBlock.putU32(sb, 40, 2); // version
    MetadataBlock.putU64(sb, 48, 1); // transaction id
    MetadataBlock.putU64(sb, 320, mappingRoot);
    MetadataBlock.putU64(sb, 328, detailsRoot);
    MetadataBlock.putU32(sb, 336, DATA_BLOCK_SECTORS);
    MetadataBlock.putU32(sb, 340, 8);
    MetadataBlock.putU64(sb, 344, pool.sm.nrBlocks());
    pool.bm.flush();
    pool.bm.writeSuperblock(Superblock.BLOCK_TYPE, sb);
    ByteBuffer all = ByteBuffer.allocate((int) TestPool.DEVICE_BYTES);
    pool.device.read(0, all);
    Files.write(file, all.array());
  }

  private static void writeDataSpaceMap(TestPool pool, Map<Long, Long> counts, byte[] sb)
      throws IOException {
    BTree<Long> overflow = new BTree<>(pool.tm, ValueTypes.u32());
    long overflowRoot = overflow.createEmpty();
    long[] byBlock = new long[(int) DATA_BLOCKS];
    for (Map.Entry<Long, Long> e : counts.entrySet()) {
      byBlock[Math.toIntExact(e.getKey())] = e.getValue();
      if (e.getValue() >= 3) {
        overflowRoot = overflow.insert(overflowRoot, e.getKey(), e.getValue()).root();
      }
    }
    BTree<long[]> index = new BTree<>(pool.tm, INDEX_ENTRY);
    long indexRoot = index.createEmpty();
    for (int k = 0; k * (long) ENTRIES_PER_BITMAP < DATA_BLOCKS; k++) {
      long[] entry = writeBitmap(pool, byBlock, k);
      indexRoot = index.insert(indexRoot, k, entry).root();
    }
    putSpaceMapRoot(sb, 64, DATA_BLOCKS, counts.size(), indexRoot, overflowRoot);
  }

  private static void writeMetadataSpaceMap(TestPool pool, byte[] sb) throws IOException {
    int nrBlocks = (int) pool.sm.nrBlocks();
    int nrBitmaps = (nrBlocks + ENTRIES_PER_BITMAP - 1) / ENTRIES_PER_BITMAP;
    long indexBlock;
    try (WriteBlock b = pool.tm.newBlock(MetadataIndex.BLOCK_TYPE)) {
      indexBlock = b.blockNr();
    }
    long[] bitmaps = new long[nrBitmaps];
    for (int k = 0; k < nrBitmaps; k++) {
      try (WriteBlock b = pool.tm.newBlock(Bitmaps.BLOCK_TYPE)) {
        bitmaps[k] = b.blockNr();
      }
    }
    BTree<Long> overflow = new BTree<>(pool.tm, ValueTypes.u32());
    long overflowRoot = overflow.createEmpty();
    // Overflow nodes are new blocks of count 1, so the set of counts >= 3 does not change.
    for (int b = 0; b < nrBlocks; b++) {
      if (pool.sm.refCount(b) >= 3) {
        overflowRoot = overflow.insert(overflowRoot, b, pool.sm.refCount(b)).root();
      }
    }
    long[] counts = new long[nrBlocks];
    for (int b = 0; b < nrBlocks; b++) {
      counts[b] = pool.sm.refCount(b);
    }
    byte[] index = new byte[MetadataBlock.SIZE_BYTES];
    for (int k = 0; k < nrBitmaps; k++) {
      long[] entry = fillBitmap(pool, bitmaps[k], counts, k);
      MetadataBlock.putU64(index, 16 + 16 * k, entry[0]);
      MetadataBlock.putU32(index, 24 + 16 * k, entry[1]);
      MetadataBlock.putU32(index, 28 + 16 * k, entry[2]);
    }
    try (WriteBlock b = pool.bm.write(indexBlock, MetadataIndex.BLOCK_TYPE)) {
      b.copyFrom(index);
    }
    putSpaceMapRoot(sb, 192, nrBlocks, pool.sm.nrAllocated(), indexBlock, overflowRoot);
  }

  private static long[] writeBitmap(TestPool pool, long[] counts, int k) throws IOException {
    long blockNr;
    try (WriteBlock b = pool.tm.newBlock(Bitmaps.BLOCK_TYPE)) {
      blockNr = b.blockNr();
    }
    return fillBitmap(pool, blockNr, counts, k);
  }

  /** Writes bitmap {@code k} of {@code counts}; returns its index entry. */
  private static long[] fillBitmap(TestPool pool, long blockNr, long[] counts, int k)
      throws IOException {
    byte[] buf = new byte[MetadataBlock.SIZE_BYTES];
    int first = k * ENTRIES_PER_BITMAP;
    int n = Math.min(ENTRIES_PER_BITMAP, counts.length - first);
    long nrFree = 0;
    long noneFreeBefore = n;
    for (int e = 0; e < n; e++) {
      int v = (int) Math.min(3, counts[first + e]);
      if (v == 0) {
        nrFree++;
        noneFreeBefore = Math.min(noneFreeBefore, e);
      }
      int shift = 2 * (e % 4);
      // Bit `shift` carries the high bit of the 2-bit value, bit `shift + 1` the low bit.
      buf[16 + e / 4] |= (byte) (((v >> 1) << shift) | ((v & 1) << (shift + 1)));
    }
    try (WriteBlock b = pool.bm.write(blockNr, Bitmaps.BLOCK_TYPE)) {
      b.copyFrom(buf);
    }
    return new long[] {blockNr, nrFree, noneFreeBefore};
  }

  private static void putSpaceMapRoot(
      byte[] sb, int at, long nrBlocks, long nrAllocated, long bitmapRoot, long overflowRoot) {
    MetadataBlock.putU64(sb, at, nrBlocks);
    MetadataBlock.putU64(sb, at + 8, nrAllocated);
    MetadataBlock.putU64(sb, at + 16, bitmapRoot);
    MetadataBlock.putU64(sb, at + 24, overflowRoot);
  }
}

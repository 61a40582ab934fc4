package org.thinpool.meta.btree;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.meta.block.BlockImage;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;
import org.thinpool.meta.tx.TransactionManager;
import org.thinpool.testing.Testdata;

/** The node layout of spec 3.1/3.2, on our nodes and on nodes written by thin_restore. */
class BTreeNodeTest {
  @Test
  void capacitiesAreTheLargestMultiplesOfThreeThatFit() {
    assertThat(BTreeNode.maxEntriesFor(4)).isEqualTo(336);
    assertThat(BTreeNode.maxEntriesFor(8)).isEqualTo(252);
    assertThat(BTreeNode.maxEntriesFor(16)).isEqualTo(168);
    assertThat(BTreeNode.maxEntriesFor(24)).isEqualTo(126);
    assertThat(BTreeNode.INTERNAL_MAX_ENTRIES).isEqualTo(252);
    assertThat(BTreeNode.minEntries(252)).isEqualTo(84);
  }

  @Test
  void valuesStartAfterAllKeySlots() {
    assertThat(BTreeNode.valueOffset(336, 4, 0)).isEqualTo(2720);
    assertThat(BTreeNode.valueOffset(252, 8, 0)).isEqualTo(2048);
    assertThat(BTreeNode.valueOffset(168, 16, 0)).isEqualTo(1376);
    assertThat(BTreeNode.valueOffset(126, 24, 0)).isEqualTo(1040);
    assertThat(BTreeNode.valueOffset(126, 24, 125) + 24).isEqualTo(4064);
  }

  @Test
  void aNewLeafHasTheSpecHeaderAndZeroes() throws IOException {
    try (TestPool pool = new TestPool()) {
      BTree<Long> tree = new BTree<>(pool.tm, new CountedValueType(24));
      long root = tree.createEmpty();
      byte[] b = pool.bm.readRaw(root);
      assertThat(MetadataBlock.u32(b, 4)).isEqualTo(BTreeNode.FLAG_LEAF);
      assertThat(MetadataBlock.u64(b, 8)).isEqualTo(root);
      assertThat(MetadataBlock.u32(b, 16)).isZero();
      assertThat(MetadataBlock.u32(b, 20)).isEqualTo(126);
      assertThat(MetadataBlock.u32(b, 24)).isEqualTo(24);
      for (int i = 28; i < b.length; i++) {
        assertThat(b[i]).as("byte %d", i).isZero();
      }
    }
  }

  @Test
  void aSplitRootBecomesAnInternalNodeOf252EightByteSlots() throws IOException {
    try (TestPool pool = new TestPool()) {
      CountedValueType type = new CountedValueType(24);
      BTree<Long> tree = new BTree<>(pool.tm, type);
      long root = tree.createEmpty();
      for (int i = 0; i < 127; i++) {
        BTree.InsertResult r = tree.insert(root, 10L * i, type.fresh());
        assertThat(r.root()).isEqualTo(root); // everything is new: modified in place
      }
      try (ReadBlock r = pool.tm.read(root, BTreeNode.BLOCK_TYPE)) {
        assertThat(BTreeNode.isInternal(r)).isTrue();
        assertThat(BTreeNode.nrEntries(r)).isEqualTo(2);
        assertThat(BTreeNode.maxEntries(r)).isEqualTo(252);
        assertThat(BTreeNode.valueSize(r)).isEqualTo(8);
        assertThat(BTreeNode.key(r, 0)).isZero();
        assertThat(BTreeNode.key(r, 1)).isEqualTo(630); // the full leaf split 63 / 63 + 1
        try (ReadBlock left = pool.tm.read(BTreeNode.child(r, 0), BTreeNode.BLOCK_TYPE)) {
          assertThat(BTreeNode.nrEntries(left)).isEqualTo(63);
          assertThat(BTreeNode.valueSize(left)).isEqualTo(24);
        }
      }
    }
  }

  @Test
  void rawByteAccessorsAgreeWithBlockAccessors() throws IOException {
    try (TestPool pool = new TestPool()) {
      BTree<Long> tree = new BTree<>(pool.tm, ValueTypes.u32());
      long root = tree.createEmpty();
      for (long k = 0; k < 300; k++) {
        root = tree.insert(root, k * k, k).root();
      }
      ReadBlock raw = BlockImage.wrap(root, BTreeNode.BLOCK_TYPE, pool.bm.readRaw(root));
      try (ReadBlock b = pool.tm.read(root, BTreeNode.BLOCK_TYPE)) {
        assertThat(BTreeNode.nrEntries(raw)).isEqualTo(BTreeNode.nrEntries(b)).isEqualTo(300);
        assertThat(BTreeNode.maxEntries(raw)).isEqualTo(336);
        assertThat(BTreeNode.valueSize(raw)).isEqualTo(4);
        assertThat(BTreeNode.lowerBound(raw, 50))
            .isEqualTo(BTreeNode.lowerBound(b, 50))
            .isEqualTo(7);
        assertThat(BTreeNode.key(raw, 17)).isEqualTo(289);
        assertThat(raw.u32(BTreeNode.valueOffset(raw, 17))).isEqualTo(17);
        assertThat(BTreeNode.ceilingIndex(b, 50)).isEqualTo(8);
      }
    }
  }

  /**
   * Golden {@code many.meta} (thin_restore 0.9.0): two-level details and top-level trees, and
   * device 0's tree (internal root and 23 leaves), read through this package alone.
   */
  @Test
  void readsTreesWrittenByThinRestore() throws IOException {
    Path meta = Testdata.dmThin().resolve("many.meta");
    try (BlockManager bm = new BlockManager(FileBlockDevice.openReadOnly(meta), 64, true)) {
      TransactionManager tm = new TransactionManager(bm);
      long mappingRoot;
      long detailsRoot;
      byte[] sb = bm.readRaw(0); // the superblock is thin's: read its two roots raw
      mappingRoot = MetadataBlock.u64(sb, 320);
      detailsRoot = MetadataBlock.u64(sb, 328);
      BTree<Long> top = new BTree<>(tm, ValueTypes.u64());
      BTree<Long> device = new BTree<>(tm, ValueTypes.u64());
      BTree<Long> details = new BTree<>(tm, new RawValueType(24));
      assertThat(top.count(mappingRoot)).isEqualTo(300);
      assertThat(details.count(detailsRoot)).isEqualTo(300);
      List<Long> ids = new ArrayList<>();
      top.visit(mappingRoot, 199, 215, (k, v) -> ids.add(k));
      assertThat(ids).containsExactly(199L, 200L, 207L, 214L);
      assertThat(details.lookup(detailsRoot, 7)).isEqualTo(6L); // mapped_blocks
      long dev0 = top.lookup(mappingRoot, 0);
      try (ReadBlock r = tm.read(dev0, BTreeNode.BLOCK_TYPE)) {
        assertThat(BTreeNode.isInternal(r)).isTrue();
        assertThat(BTreeNode.nrEntries(r)).isEqualTo(23);
      }
      assertThat(device.count(dev0)).isEqualTo(3003);
      assertThat(device.lookup(dev0, 2999)).isEqualTo(2999L << 24);
      assertThat(device.lookup(dev0, 100_001)).isEqualTo((16320L << 24) | 3);
      assertThat(device.lookup(dev0, 200_000)).isEqualTo((2_999_999L << 24) | 4);
      assertThat(device.lookup(dev0, 3000)).isNull();
      long[] seen = new long[2];
      device.visit(
          dev0,
          2990,
          150_000,
          (k, v) -> {
            seen[0]++;
            seen[1] = k;
            return true;
          });
      assertThat(seen).containsExactly(12, 100_001);
    }
  }

  /** Values whose first 8 bytes are returned; the rest is ignored (read-only use). */
  private record RawValueType(int sizeBytes) implements ValueType<Long> {
    @Override
    public Long decode(ReadBlock node, int offset) {
      return node.u64(offset);
    }

    @Override
    public void encode(WriteBlock node, int offset, Long value) {
      throw new AssertionError("read only");
    }
  }
}

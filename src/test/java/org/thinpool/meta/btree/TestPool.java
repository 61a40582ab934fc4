package org.thinpool.meta.btree;

import java.io.IOException;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.meta.block.BlockType;
import org.thinpool.meta.block.BlockValidator;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.tx.TransactionManager;

/**
 * A transaction manager over a 64 MiB in-memory device with a small block cache (so that dirty
 * nodes get evicted and read back) and a {@link TestSpaceMap}.
 */
final class TestPool implements AutoCloseable {
  static final long DEVICE_BYTES = 64L << 20;
  static final int CACHE_BLOCKS = 256;

  final MemoryBlockDevice device = new MemoryBlockDevice(DEVICE_BYTES);
  final BlockManager bm = new BlockManager(device, CACHE_BLOCKS, false);
  final TestSpaceMap sm = new TestSpaceMap((int) (DEVICE_BYTES / 4096));
  final TransactionManager tm = new TransactionManager(bm);

  TestPool() {
    tm.setMetadataSpaceMap(sm);
  }

  /**
   * A superblock for the transaction manager's commit: block 0 of zeros, which these tests never
   * read (the trees' roots are the tests' own variables).
   */
  static final BlockType SCRATCH_SUPERBLOCK =
      new BlockType("test superblock", 1, BlockValidator.COMMON_ONLY);

  /** Commits: everything written so far becomes committed state. */
  void commit() throws IOException {
    tm.commit(SCRATCH_SUPERBLOCK, () -> new byte[MetadataBlock.SIZE_BYTES]);
  }

  @Override
  public void close() throws IOException {
    bm.close();
  }
}

package org.thinpool.meta.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.meta.block.BlockType;
import org.thinpool.meta.block.BlockValidator;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.tx.SpaceMap;
import org.thinpool.meta.tx.TransactionManager;

/** The {@link SpaceMap} contract, for both the metadata and the data space map. */
abstract class SpaceMapContractTest {
  /** Block 0 for the transaction manager's commit; the tests keep the roots themselves. */
  static final BlockType SCRATCH_SUPERBLOCK =
      new BlockType("test superblock", 1, BlockValidator.COMMON_ONLY);

  TransactionManager tm;

  abstract SpaceMap create(long nrBlocks) throws IOException;

  /** Commits the map (and, for the data map, the metadata map it lives in). */
  abstract void commit() throws IOException;

  /** Opens the committed map from disk again. */
  abstract SpaceMap reopen() throws IOException;

  TransactionManager newTm() {
    return new TransactionManager(new BlockManager(new MemoryBlockDevice(64L << 20), 64, false));
  }

  @Test
  void aBlockFreedInThisTransactionIsNotReusedBeforeCommit() throws IOException {
    SpaceMap sm = create(40_000);
    Set<Long> mine = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      mine.add(sm.newBlock());
    }
    commit();
    long freed = mine.iterator().next();
    sm.dec(freed);
    assertThat(sm.refCount(freed)).isZero();
    long free = sm.nrFree();
    for (long i = 0; i < free - 1; i++) {
      assertThat(sm.newBlock()).isNotEqualTo(freed);
    }
    assertThatThrownBy(sm::newBlock).isInstanceOf(OutOfSpaceException.class);
  }

  @Test
  void countsSurviveCommitAndReopenIncludingOverflow() throws IOException {
    SpaceMap sm = create(50_000);
    Random rng = new Random(3);
    long[] expected = new long[50_000];
    for (int i = 0; i < 3_000; i++) {
      long b = sm.newBlock();
      expected[(int) b] = 1;
      int extra = rng.nextInt(10) == 0 ? 2 + rng.nextInt(300) : rng.nextInt(2);
      for (int k = 0; k < extra; k++) {
        sm.inc(b);
        expected[(int) b]++;
      }
    }
    commit();
    SpaceMap again = reopen();
    for (int b = 0; b < expected.length; b++) {
      if (expected[b] > 0) {
        assertThat(again.refCount(b)).as("block %d", b).isEqualTo(expected[b]);
      }
    }
    assertThat(again.nrFree() + again.nrAllocated()).isEqualTo(again.nrBlocks());
  }

  @Test
  void decOfAFreeBlockIsAProgrammerError() throws IOException {
    SpaceMap sm = create(1000);
    long b = sm.newBlock();
    sm.dec(b);
    assertThatThrownBy(() -> sm.dec(b)).isInstanceOf(AssertionError.class);
  }

  @Test
  void extendAddsFreeBlocks() throws IOException {
    SpaceMap sm = create(16_000);
    long before = sm.nrFree();
    sm.extend(40_000);
    assertThat(sm.nrBlocks()).isEqualTo(56_000);
    assertThat(sm.nrFree()).isEqualTo(before + 40_000);
    commit();
    assertThat(reopen().nrBlocks()).isEqualTo(56_000);
  }

  static final class MetadataSpaceMapTest extends SpaceMapContractTest {
    MetadataSpaceMap sm;

    @Override
    SpaceMap create(long nrBlocks) throws IOException {
      tm =
          new TransactionManager(
              new BlockManager(new MemoryBlockDevice(nrBlocks * 4096 + (4 << 20)), 64, false));
      sm = MetadataSpaceMap.create(tm, nrBlocks);
      return sm;
    }

    @Override
    void commit() throws IOException {
      tm.commit(SCRATCH_SUPERBLOCK, () -> new byte[MetadataBlock.SIZE_BYTES]);
      root = sm.root();
    }

    SpaceMapRoot root;

    @Override
    SpaceMap reopen() throws IOException {
      tm.blockManager().clearCache();
      return MetadataSpaceMap.open(new TransactionManager(tm.blockManager()), root);
    }
  }

  static final class DataSpaceMapTest extends SpaceMapContractTest {
    MetadataSpaceMap meta;
    DataSpaceMap sm;
    SpaceMapRoot metaRoot;
    SpaceMapRoot root;

    @Override
    SpaceMap create(long nrBlocks) throws IOException {
      tm = newTm();
      meta = MetadataSpaceMap.create(tm, 16_384);
      sm = DataSpaceMap.create(tm, nrBlocks);
      return sm;
    }

    @Override
    void commit() throws IOException {
      tm.commit(SCRATCH_SUPERBLOCK, () -> new byte[MetadataBlock.SIZE_BYTES], sm);
      root = sm.root();
      metaRoot = meta.root();
    }

    @Override
    SpaceMap reopen() throws IOException {
      tm.blockManager().clearCache();
      TransactionManager fresh = new TransactionManager(tm.blockManager());
      MetadataSpaceMap.open(fresh, metaRoot);
      return DataSpaceMap.open(fresh, root);
    }
  }
}

package org.thinpool.meta.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.tx.TransactionManager;

/**
 * {@link CountedSpaceMap#newBlocks}: a sequential write's blocks allocated as one run of the data
 * device, never a block the committed state still uses.
 */
class RunAllocationTest {
  private TransactionManager tm;
  private DataSpaceMap sm;

  private DataSpaceMap create(long nrBlocks) throws IOException {
    tm = new TransactionManager(new BlockManager(new MemoryBlockDevice(64L << 20), 64, false));
    MetadataSpaceMap.create(tm, 16_384);
    sm = DataSpaceMap.create(tm, nrBlocks);
    return sm;
  }

  private void commit() throws IOException {
    tm.commit(
        SpaceMapContractTest.SCRATCH_SUPERBLOCK, () -> new byte[MetadataBlock.SIZE_BYTES], sm);
  }

  private void allocateAll(long from, long to) throws IOException {
    for (long b = from; b < to; b++) {
      assertThat(sm.newBlock()).isEqualTo(b);
    }
  }

  @Test
  void runsFollowEachOtherOnAFreshMap() throws IOException {
    create(1_000);
    assertThat(sm.newBlocks(16)).isEqualTo(new Extent(0, 16));
    assertThat(sm.newBlocks(16)).isEqualTo(new Extent(16, 16));
    assertThat(sm.newBlock()).isEqualTo(32);
    assertThat(sm.nrAllocated()).isEqualTo(33);
    for (long b = 0; b < 33; b++) {
      assertThat(sm.refCount(b)).as("block %d", b).isEqualTo(1);
    }
  }

  @Test
  void singleHolesAreSkippedForAWholeRunAndBlocksFreedSinceTheCommitAreNotTaken()
      throws IOException {
    create(1_000);
    allocateAll(0, 100);
    commit();
    for (long b = 0; b < 20; b += 2) {
      sm.dec(b); // ten single holes, usable after the next commit
    }
    for (long b = 40; b < 48; b++) {
      sm.dec(b); // a hole of 8, freed in this transaction
    }
    assertThat(sm.newBlocks(4))
        .as("not the blocks freed since the commit")
        .isEqualTo(new Extent(100, 4));
    commit();
    assertThat(sm.newBlocks(4)).as("past the single holes").isEqualTo(new Extent(40, 4));
    assertThat(sm.newBlocks(8))
        .as("a whole run further on, not the rest of the hole")
        .isEqualTo(new Extent(104, 8));
  }

  @Test
  void manySingleHolesEndTheSearchWithTheLongestSeen() throws IOException {
    create(1_000);
    int holes = Counts.RUN_CANDIDATES + 10;
    allocateAll(0, 2L * holes);
    commit();
    for (long b = 1; b < 2L * holes; b += 2) {
      sm.dec(b);
    }
    commit();
    long free = sm.nrFree();
    assertThat(sm.newBlocks(4))
        .as("a single block: the search is bounded")
        .isEqualTo(new Extent(1, 1));
    assertThat(sm.nrFree()).isEqualTo(free - 1);
  }

  @Test
  void theSearchWrapsOnceThenAFullMapRefusesWithNothingChanged() throws IOException {
    create(100);
    allocateAll(0, 100);
    commit();
    for (long b = 10; b < 20; b++) {
      sm.dec(b);
    }
    sm.dec(90);
    sm.dec(91);
    commit();
    assertThat(sm.newBlocks(2)).isEqualTo(new Extent(10, 2));
    assertThat(sm.newBlocks(9)).as("cut by the end of the hole").isEqualTo(new Extent(12, 8));
    assertThat(sm.newBlocks(4)).as("after the cursor").isEqualTo(new Extent(90, 2));
    assertThat(sm.nrFree()).isZero();
    assertThatThrownBy(() -> sm.newBlocks(3))
        .isInstanceOf(OutOfSpaceException.class)
        .hasMessageContaining("no free data blocks");
    assertThat(sm.nrAllocated()).isEqualTo(100);
  }

  @Test
  void aRunWrapsToTheStartWhenNothingIsFreeAfterTheCursor() throws IOException {
    create(100);
    allocateAll(0, 100);
    commit();
    for (long b : new long[] {5, 50, 51, 60, 61, 62}) {
      sm.dec(b);
    }
    commit();
    assertThat(sm.newBlocks(2)).as("past the single hole").isEqualTo(new Extent(50, 2));
    assertThat(sm.newBlocks(3)).isEqualTo(new Extent(60, 3));
    assertThat(sm.newBlocks(2)).as("before the cursor").isEqualTo(new Extent(5, 1));
    assertThat(sm.nrFree()).isZero();
  }
}

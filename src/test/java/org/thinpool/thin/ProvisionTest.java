package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.thin.check.PoolCheck;

/**
 * The thin layer's lookup and provisioning protocol ({@link BlockLookup}, {@link Provision}):
 * sharing is decided by times as dm-thin does, and every way a provision can end leaves the
 * metadata consistent: mapped, released, refused because the device is gone, voided by an abort, or
 * failed half-way through the tree update (then the abort returns to the last commit).
 */
class ProvisionTest {
  private static ThinMetadata format(long metadataBytes, long dataBlocks) throws IOException {
    return ThinMetadata.format(new MemoryBlockDevice(metadataBytes), 128, dataBlocks, 64);
  }

  @Test
  void provisionThenMapMakesAnExclusiveMapping() throws IOException {
    try (ThinMetadata md = format(4 << 20, 100)) {
      md.createThin(1);
      assertThat(md.find(1, 5)).isEqualTo(BlockLookup.UNMAPPED);
      assertThat(md.findDataBlock(1, 5)).isEqualTo(-1);
      Provision p = md.provision(1, 5);
      assertThat(p.sourceBlock()).isEqualTo(Provision.NO_SOURCE);
      assertThat(md.map(p)).isTrue();
      assertThat(p.isOpen()).isFalse();
      assertThat(md.find(1, 5)).isEqualTo(new BlockLookup.Mapped(p.dataBlock(), false));
      assertThat(md.findDataBlock(1, 5)).isEqualTo(p.dataBlock());
      assertThat(md.requireDevice(1).mappedBlocks()).isEqualTo(1);
      md.commit();
    }
  }

  @Test
  void breakingSharingMapsACopyAndLeavesTheOriginItsBlock() throws IOException {
    try (ThinMetadata md = format(4 << 20, 100)) {
      md.createThin(1);
      Provision first = md.provision(1, 0);
      md.map(first);
      long old = first.dataBlock();
      md.createSnap(2, 1);
      // Mapped before the snapshot: shared for both, whatever the counts say later.
      assertThat(md.find(1, 0)).isEqualTo(new BlockLookup.Mapped(old, true));
      BlockLookup.Mapped shared = (BlockLookup.Mapped) md.find(2, 0);
      assertThat(shared.shared()).isTrue();

      Provision copy = md.breakSharing(2, 0, shared);
      assertThat(copy.sourceBlock()).isEqualTo(old);
      assertThat(md.map(copy)).isTrue();
      assertThat(md.find(2, 0)).isEqualTo(new BlockLookup.Mapped(copy.dataBlock(), false));
      assertThat(md.find(1, 0)).isEqualTo(new BlockLookup.Mapped(old, true));
      // The copied leaf took a reference to every block in it; the overwrite dropped one.
      assertThat(md.dataSpaceMap().refCount(old)).isEqualTo(1);
      assertThat(md.dataSpaceMap().refCount(copy.dataBlock())).isEqualTo(1);
      assertThatThrownBy(
              () -> md.breakSharing(2, 0, new BlockLookup.Mapped(copy.dataBlock(), false)))
          .isInstanceOf(AssertionError.class);
      md.commit();
    }
  }

  @Test
  void aBlockMappedBeforeItsFillStaysMappedOnceFilled() throws IOException {
    try (ThinMetadata md = format(4 << 20, 100)) {
      md.createThin(1);
      md.map(md.provision(1, 0));
      long old = md.findDataBlock(1, 0);
      md.createSnap(2, 1);
      Provision copy = md.breakSharing(2, 0, (BlockLookup.Mapped) md.find(2, 0));
      assertThat(md.mapUnfilled(copy)).isTrue();
      // Mapped at once, the provision still open: no commit until it ends.
      assertThat(md.find(2, 0)).isEqualTo(new BlockLookup.Mapped(copy.dataBlock(), false));
      assertThat(md.dataSpaceMap().refCount(old)).isEqualTo(1);
      assertThat(copy.isOpen()).isTrue();
      assertThatThrownBy(md::commit).isInstanceOf(AssertionError.class);
      assertThatThrownBy(() -> md.release(copy)).isInstanceOf(AssertionError.class);
      assertThatThrownBy(() -> md.map(copy)).isInstanceOf(AssertionError.class);
      md.filled(copy);
      assertThat(copy.isOpen()).isFalse();
      assertThat(md.find(2, 0)).isEqualTo(new BlockLookup.Mapped(copy.dataBlock(), false));
      md.commit();
      assertThat(PoolCheck.run(md.blockManager().device()).problems()).isEmpty();
    }
  }

  /**
   * The fill of a block mapped early fails: the copy-on-write's snapshot shares the origin's block
   * again, the first write's block is unmapped again, and both new blocks are free: the counts, the
   * mapped totals and the checker agree with a pool where neither write happened.
   */
  @Test
  void anUnfilledBlockIsUnmappedAndThePreviousMappingComesBack() throws IOException {
    try (ThinMetadata md = format(4 << 20, 100)) {
      md.createThin(1);
      md.map(md.provision(1, 0));
      long old = md.findDataBlock(1, 0);
      md.createSnap(2, 1);
      md.commit();
      long free = md.dataSpaceMap().nrFree();
      BlockLookup shared = md.find(2, 0);

      Provision copy = md.breakSharing(2, 0, (BlockLookup.Mapped) shared);
      Provision first = md.provision(2, 9);
      assertThat(md.mapUnfilled(copy)).isTrue();
      assertThat(md.mapUnfilled(first)).isTrue();
      assertThat(md.requireDevice(2).mappedBlocks()).isEqualTo(2);
      md.unmapUnfilled(copy);
      md.unmapUnfilled(first);

      assertThat(md.find(2, 0)).isEqualTo(shared);
      assertThat(md.find(1, 0)).isEqualTo(new BlockLookup.Mapped(old, true));
      assertThat(md.find(2, 9)).isEqualTo(BlockLookup.UNMAPPED);
      assertThat(md.requireDevice(2).mappedBlocks()).isEqualTo(1);
      assertThat(md.dataSpaceMap().refCount(copy.dataBlock())).isZero();
      assertThat(md.dataSpaceMap().refCount(first.dataBlock())).isZero();
      assertThat(md.dataSpaceMap().nrFree()).isEqualTo(free);
      md.commit();
      assertThat(PoolCheck.run(md.blockManager().device()).problems()).isEmpty();
      // Deleting the snapshot leaves the origin's block to the origin alone: its count is right.
      md.delete(2);
      assertThat(md.dataSpaceMap().refCount(old)).isEqualTo(1);
      md.commit();
      assertThat(PoolCheck.run(md.blockManager().device()).problems()).isEmpty();
    }
  }

  @Test
  void anAbortDuringTheFillLeavesNothingToUndo() throws IOException {
    try (ThinMetadata md = format(4 << 20, 100)) {
      md.createThin(1);
      md.commit();
      long free = md.dataSpaceMap().nrFree();
      Provision filled = md.provision(1, 1);
      Provision unfilled = md.provision(1, 2);
      md.mapUnfilled(filled);
      md.mapUnfilled(unfilled);
      md.abort();
      md.filled(filled);
      md.unmapUnfilled(unfilled);
      assertThat(md.find(1, 1)).isEqualTo(BlockLookup.UNMAPPED);
      assertThat(md.find(1, 2)).isEqualTo(BlockLookup.UNMAPPED);
      assertThat(md.dataSpaceMap().nrFree()).isEqualTo(free);
      md.commit();
      assertThat(PoolCheck.run(md.blockManager().device()).problems()).isEmpty();
    }
  }

  @Test
  void releaseGivesTheBlockBackAndChangesNothing() throws IOException {
    try (ThinMetadata md = format(4 << 20, 100)) {
      md.createThin(1);
      md.commit();
      long free = md.dataSpaceMap().nrFree();
      Provision p = md.provision(1, 3);
      assertThat(md.dataSpaceMap().nrFree()).isEqualTo(free - 1);
      md.release(p);
      assertThat(md.dataSpaceMap().nrFree()).isEqualTo(free);
      assertThat(md.dataSpaceMap().refCount(p.dataBlock())).isZero();
      assertThat(md.find(1, 3)).isEqualTo(BlockLookup.UNMAPPED);
      assertThat(md.requireDevice(1).mappedBlocks()).isZero();
      assertThatThrownBy(() -> md.release(p)).isInstanceOf(AssertionError.class);
      md.commit();
      assertThat(PoolCheck.run(md.blockManager().device()).problems()).isEmpty();
    }
  }

  @Test
  void mapOnADeletedDeviceReleasesTheBlock() throws IOException {
    try (ThinMetadata md = format(4 << 20, 100)) {
      md.createThin(1);
      md.createThin(2);
      md.commit();
      long free = md.dataSpaceMap().nrFree();
      Provision p = md.provision(1, 3);
      md.delete(1);
      assertThat(md.map(p)).isFalse();
      assertThat(p.isOpen()).isFalse();
      assertThat(md.dataSpaceMap().nrFree()).isEqualTo(free);
      md.commit(); // no provision left open
      assertThat(PoolCheck.run(md.blockManager().device()).problems()).isEmpty();
    }
  }

  @Test
  void anAbortVoidsOpenProvisionsAndLeaksNothing() throws IOException {
    try (ThinMetadata md = format(4 << 20, 100)) {
      md.createThin(1);
      md.commit();
      long free = md.dataSpaceMap().nrFree();
      Provision mapped = md.provision(1, 1);
      Provision released = md.provision(1, 2);
      md.abort();
      assertThat(md.map(mapped)).isFalse();
      md.release(released); // nothing to give back: the abort dropped the allocation
      assertThat(md.dataSpaceMap().nrFree()).isEqualTo(free);
      assertThat(md.find(1, 1)).isEqualTo(BlockLookup.UNMAPPED);
      md.commit();
    }
  }

  @Test
  void aCommitWithAnOpenProvisionIsAProgrammerError() throws IOException {
    try (ThinMetadata md = format(4 << 20, 100)) {
      md.createThin(1);
      Provision p = md.provision(1, 0);
      assertThatThrownBy(md::commit)
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("allocated but neither mapped nor released");
      md.release(p);
      md.commit();
    }
  }

  @Test
  void outOfDataSpaceChangesNothing() throws IOException {
    try (ThinMetadata md = format(4 << 20, 2)) {
      md.createThin(1);
      md.map(md.provision(1, 0));
      md.map(md.provision(1, 1));
      md.commit();
      assertThatThrownBy(() -> md.provision(1, 2)).isInstanceOf(OutOfSpaceException.class);
      assertThat(md.hasUncommittedChanges()).isFalse();
      md.commit();
    }
  }

  /**
   * Allocation succeeds but the tree update fails half-way (the metadata device runs out of blocks
   * while shadowing, or while committing): the abort that must follow returns to the last commit,
   * the block included, and the provision is over (nothing to release).
   */
  @Test
  void aTreeUpdateThatFailsHalfWayIsUndoneByTheAbort() throws IOException {
    try (ThinMetadata md = format(128 * 4096, 1_000_000)) {
      md.createThin(1);
      md.commit();
      Map<Long, Long> committed = new TreeMap<>();
      Map<Long, Long> current = new TreeMap<>();
      IOException failure = null;
      for (long v = 0; failure == null; v++) {
        Provision p = md.provision(1, v * 7);
        try {
          md.map(p);
          current.put(v * 7, p.dataBlock());
          if (v % 50 == 49) {
            md.commit();
            committed = new TreeMap<>(current);
          }
        } catch (IOException e) {
          failure = e;
          assertThat(p.isOpen()).isFalse(); // the mapping owns the block: nothing to release
          md.abort();
        }
      }
      assertThat(failure).isInstanceOf(OutOfSpaceException.class);
      assertThat(committed).isNotEmpty();
      long[] mapped = {0};
      md.visitMappings(
          1,
          0,
          Long.MAX_VALUE,
          (k, m) -> {
            mapped[0]++;
            return true;
          });
      assertThat(mapped[0]).isEqualTo(committed.size());
      for (var e : committed.entrySet()) {
        assertThat(md.findDataBlock(1, e.getKey())).isEqualTo(e.getValue());
      }
      assertThat(md.dataSpaceMap().nrAllocated()).isEqualTo(committed.size());
      assertThat(PoolCheck.run(md.blockManager().device()).problems()).isEmpty();
    }
  }
}

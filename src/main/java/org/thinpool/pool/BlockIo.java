package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.StampedLock;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.thin.BlockLookup;
import org.thinpool.thin.Provision;
import org.thinpool.thin.ThinMetadata;

/**
 * The pool's block I/O path, inside one virtual block: read (unmapped reads as zeros), write in
 * place, provision on first write, break sharing on a write to a shared block, unmap. What is
 * shared and how a new block is allocated, mapped or given back is the thin layer's ({@link
 * BlockLookup}, {@link Provision}); this class does the data I/O between those steps, under the
 * locks of {@link PoolCore} in their order, with the read-only checks and the out-of-space handling
 * of {@link SpacePolicy}.
 */
final class BlockIo {
  private final PoolCore core;

  BlockIo(PoolCore core) {
    this.core = core;
  }

  /**
   * Reads [inBlock, inBlock + dst.remaining()) of one virtual block; unmapped reads as zeros.
   * Allocates nothing (a mapped read is a lookup of primitives and one data read).
   */
  void readBlock(long id, long vblock, int inBlock, ByteBuffer dst) throws IOException {
    StampedLock stripe = core.blockLocks().forBlock(id, vblock);
    long stamp = stripe.readLock();
    try {
      long dataBlock;
      try (LockedMetadata m = core.lockMetadata()) {
        dataBlock = m.metadata().findDataBlock(id, vblock);
      }
      if (dataBlock < 0) {
        DataArea.zeroFill(dst);
      } else {
        core.checkMapped(dataBlock);
        core.data().read(dataBlock, inBlock, dst);
      }
    } finally {
      stripe.unlockRead(stamp);
    }
  }

  /**
   * Writes inside one virtual block: in place, or into a new block (provision or copy). On a full
   * pool it commits once (blocks freed in this transaction become free) and then fails or waits as
   * the {@link SpacePolicy} says, holding no lock while it waits.
   */
  void writeBlock(long id, long vblock, int inBlock, ByteBuffer src) throws IOException {
    SpacePolicy space = core.space();
    try {
      while (true) {
        long seen = space.generation();
        OutOfSpaceException full;
        StampedLock stripe = core.blockLocks().forBlock(id, vblock);
        long stamp = stripe.writeLock();
        try {
          if (tryWriteBlock(id, vblock, inBlock, src)) {
            return;
          }
          core.commit();
          if (tryWriteBlock(id, vblock, inBlock, src)) {
            return;
          }
          full = core.outOfDataSpace();
        } finally {
          stripe.unlockWrite(stamp);
        }
        space.awaitSpace(seen, full);
      }
    } catch (PoolStateException e) {
      if (core.metadataFull()) {
        core.commit(); // the writes acknowledged before the metadata filled up
      }
      throw e;
    } finally {
      space.deliverLowWater();
    }
  }

  /** False when no data block can be allocated now. */
  private boolean tryWriteBlock(long id, long vblock, int inBlock, ByteBuffer src)
      throws IOException {
    Lock gate = core.commitGateShared();
    long outside;
    gate.lock();
    try {
      BlockLookup state;
      try (LockedMetadata m = core.lockMetadata()) {
        core.checkWritable();
        state = m.metadata().find(id, vblock);
      }
      outside =
          state instanceof BlockLookup.Mapped b && !core.data().isInside(b.dataBlock())
              ? b.dataBlock()
              : -1;
      if (outside < 0) {
        return switch (state) {
          case BlockLookup.Mapped b when !b.shared() -> {
            core.dataWritten();
            core.data().write(b.dataBlock(), inBlock, src);
            yield true;
          }
          case BlockLookup.Mapped b -> writeNewBlock(id, vblock, b, inBlock, src);
          case BlockLookup.Unmapped u -> writeNewBlock(id, vblock, u, inBlock, src);
        };
      }
    } finally {
      gate.unlock();
    }
    core.checkMapped(outside); // off the data device: flags needs_check (takes the gate)
    throw new AssertionError("data block " + outside + " is both outside and inside");
  }

  /**
   * Provisions (unmapped) or breaks sharing (shared): allocates, fills outside the metadata lock,
   * maps; a block that is not mapped in the end is given back. False if no data block is free.
   */
  private boolean writeNewBlock(
      long id, long vblock, BlockLookup state, int inBlock, ByteBuffer src) throws IOException {
    Provision p = allocate(id, vblock, state);
    if (p == null) {
      return false;
    }
    try {
      core.dataWritten();
      core.data().fill(p.dataBlock(), p.sourceBlock(), core.settings().zeroing(), inBlock, src);
      map(p);
    } catch (IOException | RuntimeException | Error e) {
      if (p.isOpen()) {
        punch(p.dataBlock(), e);
      }
      throw e;
    } finally {
      if (p.isOpen()) {
        release(p);
      }
    }
    return true;
  }

  /**
   * Punches a block this request allocated but could not map (the host refused the fill, or the map
   * failed): a half-done fill may hold host space the pool cannot use. Before the release: once
   * given back, another write may take it. It was free at the last commit, so no committed mapping
   * names it. A punch that fails is noted on {@code failure}.
   */
  private void punch(long dataBlock, Throwable failure) {
    try {
      core.data().punch(new long[] {dataBlock});
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  /** A provision for the block, or null if no data block is free now. */
  private Provision allocate(long id, long vblock, BlockLookup state) throws IOException {
    try (LockedMetadata m = core.lockMetadata()) {
      core.checkWritable();
      ThinMetadata md = m.metadata();
      Provision p;
      try {
        p =
            state instanceof BlockLookup.Mapped shared
                ? md.breakSharing(id, vblock, shared)
                : md.provision(id, vblock);
      } catch (OutOfSpaceException e) {
        return null;
      }
      core.allocated(p.dataBlock());
      core.space().allocated(md.dataSpaceMap().nrFree());
      return p;
    }
  }

  private void map(Provision p) throws IOException {
    try (LockedMetadata m = core.lockMetadata()) {
      core.checkWritable();
      core.checkMetadataSpace();
      boolean mapped;
      try {
        mapped = m.metadata().map(p);
      } catch (IOException e) {
        throw core.failMetadata(e);
      }
      if (!mapped) {
        throw new PoolStateException("no thin device " + p.thinId() + " to map " + p);
      }
    }
  }

  private void release(Provision p) throws IOException {
    try (LockedMetadata m = core.lockMetadata()) {
      m.metadata().release(p);
    }
  }

  /** True if the virtual block is mapped now. */
  boolean isMapped(long id, long vblock) throws IOException {
    try (LockedMetadata m = core.lockMetadata()) {
      return m.metadata().findDataBlock(id, vblock) >= 0;
    }
  }

  /** Unmaps [begin, end) of a device; with passdown its freed blocks are punched after commit. */
  long unmap(long id, long begin, long end, boolean passdown) throws IOException {
    if (begin >= end) {
      return 0;
    }
    try (BlockLocks.Held held = core.blockLocks().lockRange(id, begin, end);
        LockedMetadata m = core.lockMetadata()) {
      core.checkWritable();
      core.checkMetadataSpace();
      if (passdown) {
        core.collectFreed(id, begin, end);
      }
      try {
        return m.metadata().removeRange(id, begin, end);
      } catch (IOException e) {
        throw core.failMetadata(e);
      }
    }
  }
}

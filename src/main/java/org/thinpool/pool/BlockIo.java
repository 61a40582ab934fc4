package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.StampedLock;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.io.PoolStateException;
import org.thinpool.thin.DeviceDetails;
import org.thinpool.thin.Mapping;

/**
 * The pool's block I/O path, inside one virtual block: read (unmapped reads as zeros), write in
 * place, provision on first write, break sharing on a write to a shared block, unmap. The locks
 * and their order are {@link PoolCore}'s; out-of-space handling is {@link SpacePolicy}'s.
 */
final class BlockIo {
  /** The result of looking up a block for a write (spec 8.5). */
  sealed interface BlockState permits Unmapped, Exclusive, Shared {}

  record Unmapped() implements BlockState {}

  record Exclusive(long dataBlock) implements BlockState {}

  /** Mapped before the device's latest snapshot: copy before writing. */
  record Shared(long dataBlock) implements BlockState {}

  private static final Unmapped UNMAPPED = new Unmapped();

  private final PoolCore core;

  BlockIo(PoolCore core) {
    this.core = core;
  }

  /** Reads [inBlock, inBlock + dst.remaining()) of one virtual block; unmapped reads as zeros. */
  void readBlock(long id, long vblock, int inBlock, ByteBuffer dst) throws IOException {
    StampedLock stripe = core.blockLocks.forBlock(id, vblock);
    long stamp = stripe.readLock();
    try {
      Mapping m;
      core.mdLock.lock();
      try {
        m = core.md.lookup(id, vblock);
      } finally {
        core.mdLock.unlock();
      }
      if (m == null) {
        DataArea.zeroFill(dst);
      } else {
        core.checkMapped(m.dataBlock());
        core.data.read(m.dataBlock(), inBlock, dst);
      }
    } finally {
      stripe.unlockRead(stamp);
    }
  }

  /**
   * Writes inside one virtual block: in place, or into a new block (provision or copy). On a
   * full pool it commits once (blocks freed in this transaction become free) and then fails or
   * waits as the {@link SpacePolicy} says, holding no lock while it waits.
   */
  void writeBlock(long id, long vblock, int inBlock, ByteBuffer src) throws IOException {
    SpacePolicy space = core.space;
    try {
      while (true) {
        long seen = space.generation();
        OutOfSpaceException full;
        StampedLock stripe = core.blockLocks.forBlock(id, vblock);
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
    long mapped;
    core.gate.readLock().lock();
    try {
      BlockState state = stateForWrite(id, vblock);
      mapped = switch (state) {
        case Exclusive e -> e.dataBlock();
        case Shared s -> s.dataBlock();
        case Unmapped u -> -1;
      };
      if (mapped < 0 || core.data.isInside(mapped)) {
        return switch (state) {
          case Exclusive e -> {
            core.dataWritten();
            core.data.write(e.dataBlock(), inBlock, src);
            yield true;
          }
          case Shared s -> provision(id, vblock, s.dataBlock(), inBlock, src);
          case Unmapped u -> provision(id, vblock, -1, inBlock, src);
        };
      }
    } finally {
      core.gate.readLock().unlock();
    }
    core.checkMapped(mapped); // outside the data device: flags needs_check (takes the gate)
    throw new AssertionError("data block " + mapped + " is both outside and inside");
  }

  private BlockState stateForWrite(long id, long vblock) throws IOException {
    core.mdLock.lock();
    try {
      core.checkWritable();
      Mapping m = core.md.lookup(id, vblock);
      if (m == null) {
        return UNMAPPED;
      }
      DeviceDetails d = core.md.details(id);
      return d.snapshottedTime() > m.time()
          ? new Shared(m.dataBlock())
          : new Exclusive(m.dataBlock());
    } finally {
      core.mdLock.unlock();
    }
  }

  /** Allocates, fills and maps a new block; false if no block can be allocated. */
  private boolean provision(long id, long vblock, long oldBlock, int inBlock, ByteBuffer src)
      throws IOException {
    long newBlock = allocate();
    if (newBlock < 0) {
      return false;
    }
    try {
      core.dataWritten();
      core.data.fill(newBlock, oldBlock, core.settings().zeroing(), inBlock, src);
      insert(id, vblock, newBlock);
    } catch (IOException | RuntimeException | Error e) {
      returnBlock(newBlock, e);
      throw e;
    }
    return true;
  }

  /**
   * A block this request allocated but did not map (the host refused the fill, or the insert
   * failed): its space is punched, since a half-done fill may hold host space the pool cannot
   * use, and then it is freed. Punching first: once freed, another write may take it. The block
   * was free at the last commit, so no committed mapping names it.
   */
  private void returnBlock(long newBlock, Throwable failure) throws IOException {
    try {
      core.data.punch(new long[] {newBlock});
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
    release(newBlock);
  }

  /** A new data block, or -1 if none is free now. */
  private long allocate() throws IOException {
    core.mdLock.lock();
    try {
      core.checkWritable();
      try {
        long b = core.md.allocDataBlock();
        core.allocated(b);
        core.space.allocated(core.md.dataSpaceMap().nrFree());
        return b;
      } catch (OutOfSpaceException e) {
        return -1;
      }
    } finally {
      core.mdLock.unlock();
    }
  }

  private void insert(long id, long vblock, long newBlock) throws IOException {
    core.mdLock.lock();
    try {
      core.checkWritable();
      if (!core.md.exists(id)) {
        throw new PoolStateException("no thin device " + id);
      }
      core.checkMetadataSpace();
      try {
        core.md.insertMapping(id, vblock, newBlock);
      } catch (IOException e) {
        throw core.failMetadata(e);
      }
    } finally {
      core.mdLock.unlock();
    }
  }

  private void release(long newBlock) throws IOException {
    core.mdLock.lock();
    try {
      if (!core.failed()) {
        core.md.dataSpaceMap().dec(newBlock);
      }
    } finally {
      core.mdLock.unlock();
    }
  }

  /** True if the virtual block is mapped now. */
  boolean isMapped(long id, long vblock) throws IOException {
    core.mdLock.lock();
    try {
      return core.md.lookup(id, vblock) != null;
    } finally {
      core.mdLock.unlock();
    }
  }

  /** Unmaps [begin, end) of a device; with passdown its freed blocks are punched after commit. */
  long unmap(long id, long begin, long end, boolean passdown) throws IOException {
    if (begin >= end) {
      return 0;
    }
    try (BlockLocks.Held held = core.blockLocks.lockRange(id, begin, end)) {
      core.mdLock.lock();
      try {
        core.checkWritable();
        core.checkMetadataSpace();
        if (passdown) {
          core.collectFreed(id, begin, end);
        }
        try {
          return core.md.removeRange(id, begin, end);
        } catch (IOException e) {
          throw core.failMetadata(e);
        }
      } finally {
        core.mdLock.unlock();
      }
    }
  }
}

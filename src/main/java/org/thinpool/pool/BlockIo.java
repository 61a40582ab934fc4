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
   * Reads from byte {@code pos} of the device into {@code dst} as far as one data call goes: the
   * virtual blocks from {@code pos} on that map to consecutive data blocks are one read of the data
   * device (preadv's job, done by one positional read); a run of unmapped blocks is one zero fill.
   * Returns the bytes read (at least one; {@code dst} advanced by them). Allocates nothing.
   *
   * <p>The metadata lock is held for the lookups only, never across the data read. The stripes of
   * the run are read-locked (the first waiting, the next ones tried under the metadata lock, see
   * {@link BlockLocks}) until the read is done, so no discard can free a block while it is read.
   */
  int readRun(long id, long pos, ByteBuffer dst) throws IOException {
    return readRun(id, pos, dst, ReadMode.WAIT);
  }

  /** How {@link #readRun(long, long, ByteBuffer, ReadMode)} may get its bytes. */
  enum ReadMode {
    /** Waits for locks and the storage as needed. */
    WAIT,
    /** Never waits; unmapped blocks read as zeros. */
    NOW,
    /** Never waits, and gives up on an unmapped block too. */
    NOW_MAPPED_ONLY
  }

  /**
   * As {@link #readRun(long, long, ByteBuffer)}; in the NOW modes it never waits for the storage or
   * for another request: it returns -1, having read nothing ({@code dst}'s position unchanged),
   * where the data is not in the host's page cache, a write or discard holds the first block, the
   * metadata lock is taken, or (NOW_MAPPED_ONLY) the first block is not mapped.
   */
  int readRun(long id, long pos, ByteBuffer dst, ReadMode mode) throws IOException {
    boolean cachedOnly = mode != ReadMode.WAIT;
    long bs = core.blockSizeBytes();
    long vblock = pos / bs;
    int inBlock = (int) (pos % bs);
    int window = runWindow(inBlock, dst.remaining());
    StampedLock firstStripe = core.blockLocks().forBlock(id, vblock);
    long stamp = cachedOnly ? firstStripe.tryReadLock() : firstStripe.readLock();
    if (stamp == 0) {
      return -1;
    }
    int blocks = 1;
    try {
      long first;
      try (LockedMetadata m = cachedOnly ? core.tryLockMetadata() : core.lockMetadata()) {
        if (m == null) {
          return -1; // a commit (its fsync) or a device change holds it: may take long
        }
        ThinMetadata md = m.metadata();
        first = md.findDataBlock(id, vblock);
        if (first < 0 && mode == ReadMode.NOW_MAPPED_ONLY) {
          return -1;
        }
        while (blocks < window && extendsRun(md, id, vblock, first, blocks, false)) {
          blocks++;
        }
      }
      int n = (int) Math.min(blocks * bs - inBlock, dst.remaining());
      int limit = dst.limit();
      dst.limit(dst.position() + n);
      try {
        if (first < 0) {
          DataArea.zeroFill(dst);
        } else {
          core.checkMapped(first);
          core.checkMapped(first + blocks - 1);
          if (!cachedOnly) {
            core.data().read(first, inBlock, dst);
          } else if (!core.data().readIfCached(first, inBlock, dst)) {
            return -1;
          }
        }
      } finally {
        dst.limit(limit);
      }
      return n;
    } finally {
      unlockRun(id, vblock, blocks, false);
      firstStripe.unlockRead(stamp);
    }
  }

  /**
   * Under the metadata lock: takes the stripe of block {@code vblock + k} if it is free now (read
   * or write, as the run's) and keeps it if the block continues the run started at data block
   * {@code first}: the next data block (for a write, also exclusively mapped), or unmapped after
   * unmapped for a read. Tried, never waited for: the metadata lock is held.
   */
  private boolean extendsRun(
      ThinMetadata md, long id, long vblock, long first, int k, boolean write) throws IOException {
    StampedLock s = core.blockLocks().forBlock(id, vblock + k);
    if ((write ? s.tryWriteLock() : s.tryReadLock()) == 0) {
      return false;
    }
    boolean continues = false;
    try {
      if (write) {
        continues = inPlaceBlock(md, id, vblock + k) == first + k;
      } else {
        long d = md.findDataBlock(id, vblock + k);
        continues = first < 0 ? d < 0 : d == first + k;
      }
      return continues;
    } finally {
      if (!continues) {
        unlock(s, write);
      }
    }
  }

  /**
   * As {@link #extendsRun}, for a run of blocks that each need a new data block (unmapped, or
   * shared on the data device): block {@code vblock + k}'s stripe is tried and kept, and its state
   * recorded in {@code states[k]}, if the block needs one too.
   */
  private boolean extendsNewRun(ThinMetadata md, long id, long vblock, int k, BlockLookup[] states)
      throws IOException {
    StampedLock s = core.blockLocks().forBlock(id, vblock + k);
    if (s.tryWriteLock() == 0) {
      return false;
    }
    boolean continues = false;
    try {
      states[k] = md.find(id, vblock + k);
      continues = needsNewBlock(states[k]);
      return continues;
    } finally {
      if (!continues) {
        s.tryUnlockWrite();
      }
    }
  }

  /** Unmapped, or shared and on the data device: a write needs a new data block for it. */
  private boolean needsNewBlock(BlockLookup state) {
    return switch (state) {
      case BlockLookup.Unmapped u -> true;
      case BlockLookup.Mapped b -> b.shared() && core.data().isInside(b.dataBlock());
    };
  }

  /** Releases the stripes {@link #extendsRun} kept: those of blocks 1 to {@code blocks - 1}. */
  private void unlockRun(long id, long vblock, int blocks, boolean write) {
    for (int i = blocks - 1; i > 0; i--) {
      unlock(core.blockLocks().forBlock(id, vblock + i), write);
    }
  }

  private static void unlock(StampedLock s, boolean write) {
    if (write) {
      s.tryUnlockWrite();
    } else {
      s.tryUnlockRead();
    }
  }

  /**
   * The blocks a run starting at {@code vblock} may cover: those the request spans, at most one per
   * stripe (past the last stripe the run goes on at the first: its stripes after the first are only
   * ever tried, see {@link BlockLocks}).
   */
  private int runWindow(int inBlock, int lengthBytes) {
    long bs = core.blockSizeBytes();
    long spanned = (inBlock + (long) lengthBytes + bs - 1) / bs;
    return (int) Math.max(1, Math.min(spanned, BlockLocks.STRIPES));
  }

  /**
   * Writes from byte {@code pos} of the device as far as one data call goes: virtual blocks that
   * are mapped, not shared and map to consecutive data blocks are written in place by one write of
   * the data device (pwritev's job); a block that needs a new data block (provision or copy) is
   * written alone by {@link #writeBlock}. Returns the bytes written ({@code src} advanced by them).
   */
  int writeRun(long id, long pos, ByteBuffer src) throws IOException {
    long bs = core.blockSizeBytes();
    long vblock = pos / bs;
    int inBlock = (int) (pos % bs);
    int window = runWindow(inBlock, src.remaining());
    int done = window > 1 ? writeInPlace(id, vblock, inBlock, window, src, false) : 0;
    if (done > 0) {
      return done;
    }
    int n = (int) Math.min(bs - inBlock, src.remaining());
    int start = src.position();
    if (n == src.remaining()) {
      writeBlock(id, vblock, inBlock, src); // the whole rest: no slice
    } else {
      writeBlock(id, vblock, inBlock, src.slice(start, n));
    }
    src.position(start + n);
    return n;
  }

  /**
   * The in-place part of {@link #writeRun}: the run of exclusively mapped blocks from {@code
   * vblock} on, written in one call holding their stripes and the commit gate (shared), the
   * metadata lock only for the lookups. Returns 0, having written nothing, if the first block is
   * not mapped in place (it needs a new data block, or its mapping is off the data device), or,
   * with {@code now}, if any of those locks is taken (tried, never waited for) or the run does not
   * cover all of {@code src} (all or nothing). With {@code now}, a write inside one unmapped block
   * (a first write) is provisioned and mapped in the lookup's lock section and filled here, as
   * {@link #tryWriteBlock} does, unless no data block is free (then 0); with the commit gate held
   * no commit holds the metadata lock, so ending its provision waits at most for another request's
   * lookup or insert.
   */
  private int writeInPlace(
      long id, long vblock, int inBlock, int window, ByteBuffer src, boolean now)
      throws IOException {
    StampedLock firstStripe = core.blockLocks().forBlock(id, vblock);
    long stamp = now ? firstStripe.tryWriteLock() : firstStripe.writeLock();
    if (stamp == 0) {
      return 0;
    }
    int blocks = 0;
    Lock gate = core.commitGateShared();
    if (!now) {
      gate.lock();
    } else if (!gate.tryLock()) {
      firstStripe.unlockWrite(stamp);
      return 0;
    }
    Provision fresh = null;
    Provision[] freshRun = null;
    try {
      long first;
      long bs = core.blockSizeBytes();
      try (LockedMetadata m = now ? core.tryLockMetadata() : core.lockMetadata()) {
        if (m == null) {
          return 0; // a commit (its fsync) or a device change holds it: may take long
        }
        core.checkWritable();
        ThinMetadata md = m.metadata();
        BlockLookup state = md.find(id, vblock);
        first = inPlaceBlock(state);
        int whole = inBlock == 0 ? (int) Math.min(window, src.remaining() / bs) : 0;
        if (first < 0 && whole > 1 && needsNewBlock(state)) {
          BlockLookup[] states = new BlockLookup[whole];
          states[0] = state;
          blocks = 1;
          while (blocks < whole && extendsNewRun(md, id, vblock, blocks, states)) {
            blocks++;
          }
          if (blocks > 1 && (!now || blocks * bs == src.remaining())) {
            freshRun = allocateRunLocked(md, id, vblock, states, blocks, now);
          }
          if (freshRun == null) {
            return 0;
          }
        } else if (first < 0) {
          if (now && state instanceof BlockLookup.Unmapped u && src.remaining() <= bs - inBlock) {
            fresh = allocateLocked(md, id, vblock, u);
          }
          if (fresh == null) {
            return 0;
          }
          mapUnfilledLocked(md, fresh);
        } else {
          blocks = 1;
          while (blocks < window && extendsRun(md, id, vblock, first, blocks, true)) {
            blocks++;
          }
        }
      }
      if (fresh != null) {
        int n = src.remaining();
        fillMapped(fresh, inBlock, src);
        return n;
      }
      if (freshRun != null) {
        return fillAndMapRun(freshRun, src);
      }
      if (now && blocks * bs - inBlock < src.remaining()) {
        return 0;
      }
      int n = (int) Math.min(blocks * bs - inBlock, src.remaining());
      int limit = src.limit();
      src.limit(src.position() + n);
      try {
        core.dataWritten();
        core.data().write(first, inBlock, src);
      } finally {
        src.limit(limit);
      }
      return n;
    } finally {
      gate.unlock();
      unlockRun(id, vblock, blocks, true);
      firstStripe.unlockWrite(stamp);
      if (fresh != null || freshRun != null) {
        core.space().deliverLowWater();
      }
    }
  }

  /**
   * Writes all of {@code src} at byte {@code pos} of the device if that needs no wait for a lock:
   * every block of the range is mapped, not shared, on the data device, and the blocks map to
   * consecutive data blocks (one write), or the range lies inside one unmapped block and a data
   * block is free (a first write: provisioned, filled, mapped); and the stripes, the commit gate
   * and the metadata lock are free now. False, having written nothing ({@code src} unchanged),
   * otherwise; the caller then writes as usual. The data write itself is a plain positional write
   * (ext4 refuses RWF_NOWAIT for buffered writes): it waits as long as the host makes any writer
   * wait (its dirty-page throttling).
   */
  boolean writeNow(long id, long pos, ByteBuffer src) throws IOException {
    long bs = core.blockSizeBytes();
    long vblock = pos / bs;
    int inBlock = (int) (pos % bs);
    int window = runWindow(inBlock, src.remaining());
    return writeInPlace(id, vblock, inBlock, window, src, true) > 0;
  }

  /** The data block a write goes to in place (mapped, not shared, on the data device), or -1. */
  private long inPlaceBlock(ThinMetadata md, long id, long vblock) throws IOException {
    return inPlaceBlock(md.find(id, vblock));
  }

  private long inPlaceBlock(BlockLookup state) {
    return state instanceof BlockLookup.Mapped b
            && !b.shared()
            && core.data().isInside(b.dataBlock())
        ? b.dataBlock()
        : -1;
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

  /**
   * False when no data block can be allocated now. A write that needs a new block (provision or
   * copy) allocates and maps it in the same metadata-lock section as the lookup, before the fill:
   * the insert walks the tree path the lookup has just brought into the CPU's caches, where after
   * the fill (a 64 KiB copy, or more) it would find them evicted (session 12, CowCopyBench: the
   * mapping step took on average ~0.57 us after the fill against ~0.24 us with warm caches). No I/O
   * sees the block unwritten and no commit records it: the caller holds the virtual block's stripe
   * (readers, writers and discards of the block take it; device changes take all stripes) and this
   * method the commit gate, until {@link #fillMapped} has filled the block or put the previous
   * mapping back.
   */
  private boolean tryWriteBlock(long id, long vblock, int inBlock, ByteBuffer src)
      throws IOException {
    Lock gate = core.commitGateShared();
    long outside = -1;
    gate.lock();
    try {
      long inPlace = -1;
      Provision fresh = null;
      try (LockedMetadata m = core.lockMetadata()) {
        core.checkWritable();
        ThinMetadata md = m.metadata();
        BlockLookup state = md.find(id, vblock);
        inPlace = inPlaceBlock(state);
        if (inPlace < 0 && needsNewBlock(state)) {
          fresh = allocateLocked(md, id, vblock, state); // provision, or break sharing
          if (fresh == null) {
            return false;
          }
          mapUnfilledLocked(md, fresh);
        } else if (inPlace < 0 && state instanceof BlockLookup.Mapped b) {
          outside = b.dataBlock(); // neither in place nor to copy: off the data device
        }
      }
      if (inPlace >= 0) {
        core.dataWritten();
        core.data().write(inPlace, inBlock, src);
        return true;
      }
      if (fresh != null) {
        fillMapped(fresh, inBlock, src);
        return true;
      }
    } finally {
      gate.unlock();
    }
    core.checkMapped(outside); // off the data device: flags needs_check (takes the gate)
    throw new AssertionError("data block " + outside + " is both outside and inside");
  }

  /**
   * Maps a new block before its fill ({@link ThinMetadata#mapUnfilled}), holding the metadata lock.
   * If it cannot be mapped the block is given back and the write fails.
   */
  private void mapUnfilledLocked(ThinMetadata md, Provision p) throws IOException {
    try {
      core.checkMetadataSpace();
    } catch (PoolStateException e) {
      md.release(p); // refused before anything changed
      throw e;
    }
    boolean mapped;
    try {
      mapped = md.mapUnfilled(p);
    } catch (IOException e) {
      throw core.failMetadata(e); // its abort voids the provision
    }
    if (!mapped) { // the device is gone; the block was released
      throw new PoolStateException("no thin device " + p.thinId() + " to map " + p);
    }
  }

  /**
   * Fills a block mapped before its fill and ends its provision; if the data cannot be written the
   * block is punched (a half-done fill may hold host space) and the previous mapping put back.
   */
  private void fillMapped(Provision p, int inBlock, ByteBuffer src) throws IOException {
    try {
      core.dataWritten();
      core.data().fill(p.dataBlock(), p.sourceBlock(), core.settings().zeroing(), inBlock, src);
    } catch (IOException | RuntimeException | Error e) {
      punch(p.dataBlock(), e); // before the undo frees it: then another write may take it
      try (LockedMetadata m = core.lockMetadata()) {
        try {
          m.metadata().unmapUnfilled(p);
        } catch (IOException x) {
          e.addSuppressed(core.failMetadata(x));
        }
      }
      throw e;
    }
    try (LockedMetadata m = core.lockMetadata()) {
      m.metadata().filled(p);
    }
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

  /**
   * A provision for the block in {@code state} (a new block, or the copy of a shared one), or null
   * if no data block is free now; the metadata lock is held.
   */
  private Provision allocateLocked(ThinMetadata md, long id, long vblock, BlockLookup state)
      throws IOException {
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

  private void map(Provision[] run) throws IOException {
    try (LockedMetadata m = core.lockMetadata()) {
      core.checkWritable();
      for (Provision p : run) {
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
  }

  /**
   * Consecutive new data blocks for the whole blocks {@code vblock} .. {@code vblock + count - 1}
   * (their {@code states}), as many as are free in a row, with the metadata lock held; null if no
   * data block is free, or with {@code now} if fewer than {@code count} are (then none is kept).
   */
  private Provision[] allocateRunLocked(
      ThinMetadata md, long id, long vblock, BlockLookup[] states, int count, boolean now)
      throws IOException {
    Provision[] run;
    try {
      run = md.provisionRun(id, vblock, states, count);
    } catch (OutOfSpaceException e) {
      return null;
    }
    if (now && run.length < count) {
      for (Provision p : run) {
        md.release(p);
      }
      return null;
    }
    for (Provision p : run) {
      core.allocated(p.dataBlock());
    }
    core.space().allocated(md.dataSpaceMap().nrFree());
    return run;
  }

  /**
   * Writes whole new blocks, consecutive on the data device, with one write of {@code src} and maps
   * them; a block not mapped in the end is punched and given back. Returns the bytes written.
   */
  private int fillAndMapRun(Provision[] run, ByteBuffer src) throws IOException {
    int n = Math.toIntExact(run.length * core.blockSizeBytes());
    int limit = src.limit();
    src.limit(src.position() + n);
    try {
      core.dataWritten();
      core.data().fillWhole(run[0].dataBlock(), run.length, src);
      map(run);
      return n;
    } catch (IOException | RuntimeException | Error e) {
      LongList open = new LongList();
      for (Provision p : run) {
        if (p.isOpen()) {
          open.add(p.dataBlock());
        }
      }
      if (open.size() > 0) {
        try {
          core.data().punch(open.drain());
        } catch (IOException punchFailed) {
          e.addSuppressed(punchFailed);
        }
      }
      throw e;
    } finally {
      src.limit(limit);
      for (Provision p : run) {
        if (p.isOpen()) {
          release(p);
        }
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

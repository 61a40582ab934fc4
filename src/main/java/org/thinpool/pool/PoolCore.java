package org.thinpool.pool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.thinpool.io.DeviceIoException;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.io.StateException;
import org.thinpool.meta.tx.LongLongHashMap;
import org.thinpool.meta.tx.SpaceMap;
import org.thinpool.thin.ThinMetadata;

/**
 * The pool's engine: its shared state and locks, transactions (commits, device changes, growing the
 * devices), the read-only states, and hole punching after commits. The block I/O path is {@link
 * BlockIo}; out-of-space handling is {@link SpacePolicy}.
 *
 * <p>Locks, always taken in this order: block stripes ({@link BlockLocks}), the commit gate, the
 * metadata lock.
 *
 * <ul>
 *   <li>The <b>metadata lock</b> guards {@link ThinMetadata} (not thread-safe), the punch
 *       candidates and the read-only state. It is held only for metadata calls, never across data
 *       I/O. Holding it is a value: the metadata is reachable only through the {@link
 *       LockedMetadata} that {@link #lockMetadata} returns.
 *   <li>The <b>commit gate</b>: a write holds it shared from allocating a data block until the
 *       block is filled and mapped (or released); a commit holds it exclusively. So no commit ever
 *       records an allocated block without its mapping, nor a mapping whose block is still being
 *       filled, and the data device is synced before every commit, so no committed mapping names a
 *       block whose data is not durable.
 *   <li>A <b>block stripe</b> makes a write of one (thin id, virtual block) atomic with respect to
 *       other writes, reads and discards of it: a shared block is copied once, and a block mapped
 *       before its fill (a single-block write maps it in the lookup's lock section) is seen by no
 *       one until it is filled. A run of blocks read or written in one data call holds the stripes
 *       of all its blocks ({@link BlockIo#readRun}).
 * </ul>
 *
 * <p>Read-only states: <b>failed</b> (a metadata update failed half-way and was aborted, or
 * needs_check is set; nothing is committed any more) and <b>metadata full</b> (free metadata blocks
 * fell to dm-thin's reserve; changes are refused, but the changes made before are still committed,
 * using the reserve; growing the metadata device leaves this state).
 *
 * <p>Hole punching (discard passdown): the data blocks that a discard or delete unmaps are
 * candidates; right after the next commit, under the gate and the metadata lock (so nothing can
 * allocate them again first), those whose count is 0 are punched. Punching earlier would be wrong:
 * until that commit, the committed metadata still maps them.
 */
final class PoolCore implements AutoCloseable {
  /** A device change run as one transaction by {@link #transact}. */
  interface DeviceChange {
    /** Checks the change and returns the sizes after it; changes nothing. */
    Map<Long, Long> validate(ThinMetadata md, Map<Long, Long> sizes) throws IOException;

    /** Applies the change to the metadata (the transaction id is moved by the caller). */
    void apply(ThinMetadata md) throws IOException;
  }

  /** A read of the metadata. */
  interface MetadataRead<T> {
    T apply(ThinMetadata md) throws IOException;
  }

  private final LockedMetadata metadata;
  private final DataArea data;
  private final BlockLocks blockLocks = new BlockLocks();
  private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
  private final SpacePolicy space;
  private final BlockIo io = new BlockIo(this);
  private final Path dir;
  private final PoolLock lock;
  private final long blockSizeBytes;
  private final LongList punchCandidates = new LongList();

  /**
   * Data blocks allocated since the last commit, guarded by the metadata lock: if the transaction
   * is aborted they are free again, and their space is punched so that a host filesystem that
   * filled up gets it back.
   */
  private final LongList allocatedSinceCommit = new LongList();

  private final PoolSettings settings;
  private volatile Map<Long, Long> sizes;

  /**
   * The same sizes keyed by primitive ids, for the check every I/O makes ({@link #sizeOf}) without
   * boxing the id. Built whole and never changed after it is published through this field.
   */
  private volatile LongLongHashMap sizeIndex;

  private volatile String failedReason;
  private volatile boolean metadataFull;

  /** Whether the commit that makes the metadata-full state durable has run. */
  private boolean committedSinceFull;

  /**
   * Whether the data device may hold changes not yet synced: set (under the commit gate, shared)
   * before every data write and punch, cleared by the commit that syncs it. Volatile: set under the
   * shared gate, read and cleared under the exclusive gate.
   */
  private volatile boolean dataUnsynced;

  /** What opening the pool found worth a warning (see {@link ThinPool#openWarnings}). */
  private volatile List<String> openWarnings = List.of();

  PoolCore(
      Path dir,
      PoolLock lock,
      ThinMetadata md,
      DataArea data,
      PoolSettings settings,
      Map<Long, Long> sizes,
      String failedReason) {
    this(dir, lock, md, data, settings, sizes, failedReason, PoolClock.SYSTEM);
  }

  PoolCore(
      Path dir,
      PoolLock lock,
      ThinMetadata md,
      DataArea data,
      PoolSettings settings,
      Map<Long, Long> sizes,
      String failedReason,
      PoolClock clock) {
    this.dir = dir;
    this.lock = lock;
    this.metadata = new LockedMetadata(md);
    this.data = data;
    this.blockSizeBytes = md.dataBlockSizeBytes();
    this.settings = settings;
    this.space = new SpacePolicy(settings, clock);
    setSizes(sizes);
    this.failedReason = failedReason;
    this.metadataFull = metadataAtReserve(md);
    this.committedSinceFull = true;
  }

  /** Takes the metadata lock; the result, closed by this thread, releases it. */
  LockedMetadata lockMetadata() {
    return metadata.lock();
  }

  /** The metadata lock if it is free now, else null (for callers that must not wait). */
  LockedMetadata tryLockMetadata() {
    return metadata.tryLock();
  }

  /** The metadata; the caller holds the metadata lock. */
  private ThinMetadata md() {
    return metadata.metadata();
  }

  BlockIo io() {
    return io;
  }

  DataArea data() {
    return data;
  }

  SpacePolicy space() {
    return space;
  }

  BlockLocks blockLocks() {
    return blockLocks;
  }

  /**
   * The commit gate, shared: held by a write from allocating a data block until it is mapped or
   * released, so no commit sees the allocation without its mapping.
   */
  Lock commitGateShared() {
    return gate.readLock();
  }

  Path dir() {
    return dir;
  }

  List<String> openWarnings() {
    return openWarnings;
  }

  void setOpenWarnings(List<String> warnings) {
    openWarnings = List.copyOf(warnings);
  }

  long blockSizeBytes() {
    return blockSizeBytes;
  }

  PoolSettings settings() {
    return settings;
  }

  Map<Long, Long> sizes() {
    return sizes;
  }

  long sizeOf(long id) throws PoolStateException {
    long s = id < 0 ? -1 : sizeIndex.get(id, -1); // the index takes non-negative keys only
    if (s < 0) {
      throw new PoolStateException("no thin device " + id);
    }
    return s;
  }

  private void setSizes(Map<Long, Long> next) {
    LongLongHashMap index = new LongLongHashMap();
    next.forEach(index::put);
    sizes = Map.copyOf(next);
    sizeIndex = index;
  }

  /**
   * Called before writing to the data device, holding the commit gate (shared or exclusive), so the
   * next commit syncs it first.
   */
  void dataWritten() {
    if (!dataUnsynced) {
      dataUnsynced = true;
    }
  }

  /** Remembers the data blocks mapped in [begin, end) as punch candidates. */
  void collectFreed(long id, long begin, long end) throws IOException {
    md().visitMappings(
            id,
            begin,
            end,
            (k, m) -> {
              punchCandidates.add(m.dataBlock());
              return true;
            });
  }

  OutOfSpaceException outOfDataSpace() {
    long nrBlocks;
    try (LockedMetadata m = lockMetadata()) {
      nrBlocks = m.metadata().dataSpaceMap().nrBlocks();
    }
    return new OutOfSpaceException(
        "pool "
            + dir
            + " is out of data space (all "
            + nrBlocks
            + " data blocks in use): grow the data device or "
            + "free blocks");
  }

  // ---- transactions ----

  /** See {@link ThinPool#holdCommitted}: the commit's locks, kept until the handle closes. */
  java.io.Closeable holdCommitted() throws IOException {
    commit(); // punches and wakes queued writers outside the hold
    gate.writeLock().lock();
    LockedMetadata m = lockMetadata();
    try {
      commitLocked(); // nothing may have changed since, but a hold must show a commit
    } catch (IOException | RuntimeException e) {
      m.close();
      gate.writeLock().unlock();
      throw e;
    }
    return () -> {
      m.close();
      gate.writeLock().unlock();
    };
  }

  /** Syncs the data device, commits the metadata, then punches blocks freed by it. */
  void commit() throws IOException {
    boolean freeData;
    gate.writeLock().lock();
    try {
      try (LockedMetadata m = lockMetadata()) {
        commitLocked();
        freeData = m.metadata().dataSpaceMap().nrFree() > 0;
      }
    } finally {
      gate.writeLock().unlock();
    }
    if (freeData) {
      space.spaceAdded();
    }
  }

  private void commitLocked() throws IOException {
    commitLocked(false);
  }

  /** {@code changeOnly}: the transaction holds one device change only (see commitChange). */
  private void commitLocked(boolean changeOnly) throws IOException {
    ThinMetadata md = md();
    if (failedReason != null || (metadataFull && committedSinceFull)) {
      return;
    }
    // Both skips keep the contract (nothing durable is lost, no committed mapping names an
    // unsynced block): a sync with no write since the last one syncs nothing, and a commit of
    // unchanged metadata rewrites the same superblock. They make flushes after overwrites and
    // device changes on a quiet pool cost fewer fsyncs.
    if (dataUnsynced) {
      dataUnsynced = false;
      try {
        data.sync();
      } catch (IOException e) {
        dataUnsynced = true;
        throw e;
      }
    }
    if (md.hasUncommittedChanges()) {
      try {
        md.commit();
      } catch (OutOfSpaceException e) {
        if (changeOnly) {
          abortChange(e);
        }
        throw failMetadata(e);
      } catch (IOException e) {
        throw failMetadata(e);
      }
    }
    allocatedSinceCommit.drain();
    committedSinceFull = metadataFull;
    long[] candidates = punchCandidates.drainSortedUnique();
    if (candidates.length == 0 || settings.discardMode() != DiscardMode.PASSDOWN) {
      return;
    }
    SpaceMap sm = md.dataSpaceMap();
    LongList free = new LongList();
    for (long b : candidates) {
      if (sm.refCount(b) == 0) {
        free.add(b);
      }
    }
    dataWritten(); // a punch is a change of the data file too; the next commit syncs it
    data.punch(free.drain()); // a subsequence of the sorted candidates: still sorted, unique
  }

  /**
   * Runs a device change (create, snapshot, delete, resize) as its own transaction, with all I/O
   * quiesced: commits what came before, writes the sizes of both transaction ids, applies the
   * change, moves the transaction id by one and commits.
   */
  void transact(DeviceChange change) throws IOException {
    try (BlockLocks.Held all = blockLocks.lockAll()) {
      gate.writeLock().lock();
      try {
        try (LockedMetadata m = lockMetadata()) {
          ThinMetadata md = m.metadata();
          checkWritable();
          commitLocked();
          checkMetadataSpace();
          Map<Long, Long> next = change.validate(md, sizes);
          long tid = md.transactionId();
          SizeTable.store(dir, tid, sizes, tid + 1, next);
          try {
            change.apply(md);
            md.setTransactionId(tid, tid + 1);
          } catch (IOException e) {
            abortChange(e);
          }
          commitChange();
          setSizes(next);
        }
      } finally {
        gate.writeLock().unlock();
      }
    }
    space.spaceAdded(); // a delete or shrink may have freed blocks
  }

  /**
   * Commits a device change. The transaction holds only the change (what came before was committed
   * first), so a commit the host has no room for (its filesystem is full) drops the change and
   * leaves the pool as it was, usable once room is made; other failures fail the pool as any commit
   * does.
   */
  private void commitChange() throws IOException {
    commitLocked(true);
  }

  /** The transaction held only the failed change: drop it; go read-only if that fails too. */
  private void abortChange(IOException e) throws IOException {
    punchCandidates.drainSortedUnique();
    try {
      md().abort();
      punchAborted(e);
    } catch (IOException x) {
      e.addSuppressed(x);
      failedReason = "abort after a failed change failed: " + x.getMessage();
    }
    throw e;
  }

  /** Called holding the metadata lock when a data block is allocated. */
  void allocated(long dataBlock) {
    allocatedSinceCommit.add(dataBlock);
  }

  /**
   * After an abort: punches the blocks the dropped transaction had allocated and the committed
   * metadata leaves free, so their host space returns. A punch that fails is noted on {@code e}.
   */
  private void punchAborted(IOException e) {
    long[] allocated = allocatedSinceCommit.drainSortedUnique();
    SpaceMap sm = md().dataSpaceMap();
    LongList free = new LongList();
    try {
      for (long b : allocated) {
        if (b < sm.nrBlocks() && sm.refCount(b) == 0) {
          free.add(b);
        }
      }
      dataWritten();
      data.punch(free.drain());
    } catch (IOException x) {
      e.addSuppressed(x);
    }
  }

  /**
   * Takes ({@code reserve}) or drops the metadata snapshot, after committing what came before; each
   * commits. A failure half-way fails the pool as a failed commit does.
   */
  void metadataSnap(boolean reserve) throws IOException {
    gate.writeLock().lock();
    try (LockedMetadata m = lockMetadata()) {
      checkWritable();
      commitLocked();
      checkMetadataSpace();
      try {
        if (reserve) {
          m.metadata().reserveMetadataSnap();
        } else {
          m.metadata().releaseMetadataSnap();
        }
      } catch (StateException e) {
        throw e; // none held, or one held already: nothing was changed
      } catch (IOException e) {
        throw failMetadata(e);
      }
    } finally {
      gate.writeLock().unlock();
    }
  }

  /** Grows the data device to {@code nrBlocks} data blocks; re-arms the low water mark. */
  void growData(long nrBlocks) throws IOException {
    gate.writeLock().lock();
    try {
      try (LockedMetadata m = lockMetadata()) {
        ThinMetadata md = m.metadata();
        checkWritable();
        long cur = md.dataSpaceMap().nrBlocks();
        if (nrBlocks < cur) {
          throw new PoolStateException(
              "the data device cannot shrink (" + cur + " -> " + nrBlocks + " blocks)");
        }
        dataWritten();
        data.grow(nrBlocks);
        md.resizeDataDevice(nrBlocks);
        commitLocked();
        space.rearmLowWater();
      }
    } finally {
      gate.writeLock().unlock();
    }
    space.spaceAdded();
  }

  /** Grows the metadata device to {@code sizeBytes}; a pool whose metadata was full resumes. */
  void growMetadata(long sizeBytes) throws IOException {
    gate.writeLock().lock();
    try {
      try (LockedMetadata m = lockMetadata()) {
        ThinMetadata md = m.metadata();
        checkNotFailed();
        long nrBlocks = Math.min(sizeBytes, MetadataSizing.MAX_BYTES) / 4096;
        md.blockManager().device().resize(nrBlocks * 4096);
        md.resizeMetadataDevice(nrBlocks);
        boolean wasFull = metadataFull;
        metadataFull = false;
        commitLocked();
        metadataFull = metadataAtReserve(md);
        committedSinceFull = metadataFull || !wasFull;
      }
    } finally {
      gate.writeLock().unlock();
    }
  }

  // ---- state ----

  /** True once the metadata has been aborted after a failure: nothing is committed any more. */
  boolean failed() {
    return failedReason != null;
  }

  boolean metadataFull() {
    return metadataFull;
  }

  void checkWritable() throws PoolStateException {
    checkNotFailed();
    if (metadataFull) {
      throw PoolStateException.readOnly(dir, metadataFullReason());
    }
  }

  private void checkNotFailed() throws PoolStateException {
    if (failedReason != null) {
      throw PoolStateException.readOnly(dir, failedReason);
    }
  }

  /**
   * Before a metadata change: if free metadata blocks are down to the reserve, the pool turns
   * read-only (the next commit still runs, on the reserve) and the change is refused.
   */
  void checkMetadataSpace() throws PoolStateException {
    if (metadataAtReserve(md())) {
      if (!metadataFull) {
        metadataFull = true;
        committedSinceFull = false;
      }
      throw PoolStateException.readOnly(dir, metadataFullReason());
    }
  }

  /** True when free metadata blocks are down to dm-thin's reserve (kept for commits). */
  private static boolean metadataAtReserve(ThinMetadata md) {
    SpaceMap ms = md.metadataSpaceMap();
    return ms.nrFree() <= SpacePolicy.metadataReserveBlocks(ms.nrBlocks());
  }

  private String metadataFullReason() {
    SpaceMap ms = md().metadataSpaceMap();
    return "out of metadata space ("
        + ms.nrFree()
        + " of "
        + ms.nrBlocks()
        + " metadata blocks free, the last "
        + SpacePolicy.metadataReserveBlocks(ms.nrBlocks())
        + " are kept for commits): grow the metadata device; everything written before is "
        + "committed and readable";
  }

  /**
   * A command failed half-way: drop everything since the last commit and refuse further use, so
   * closing commits nothing of the partial work.
   */
  void abandon(String reason) throws IOException {
    gate.writeLock().lock();
    try (LockedMetadata m = lockMetadata()) {
      failedReason = reason;
      punchCandidates.drainSortedUnique();
      m.metadata().abort();
    } finally {
      gate.writeLock().unlock();
    }
  }

  /** A metadata update failed half-way: drop the transaction and refuse further writes. */
  IOException failMetadata(IOException e) {
    failedReason = "metadata update failed: " + e.getMessage();
    punchCandidates.drainSortedUnique();
    try {
      md().abort();
      punchAborted(e);
    } catch (IOException x) {
      e.addSuppressed(x);
    }
    return e;
  }

  /**
   * Fails unless the metadata's mapping to {@code dataBlock} lies on the data device. If not, the
   * metadata is wrong: needs_check is set (durably, as dm-thin does on metadata errors) and the
   * pool turns read-only; the error names the device and the block. Call holding no pool lock but
   * block stripes.
   */
  void checkMapped(long dataBlock) throws IOException {
    try {
      data.checkInside(dataBlock);
    } catch (DeviceIoException e) {
      throw mappingOutsideData(e);
    }
  }

  private IOException mappingOutsideData(DeviceIoException e) {
    gate.writeLock().lock();
    try (LockedMetadata m = lockMetadata()) {
      if (failedReason == null) {
        failedReason =
            "the metadata maps a data block outside the data device; run thinpool"
                + " check ("
                + e.getMessage()
                + ")";
        data.sync(); // setNeedsCheck commits the transaction: its data first
        m.metadata().setNeedsCheck();
      }
    } catch (IOException x) {
      e.addSuppressed(x);
    } finally {
      gate.writeLock().unlock();
    }
    return e;
  }

  /** Runs a read of the metadata under the metadata lock. */
  <T> T withMetadata(MetadataRead<T> read) throws IOException {
    try (LockedMetadata m = lockMetadata()) {
      return read.apply(m.metadata());
    }
  }

  PoolStatus status() throws IOException {
    return withMetadata(
        m -> {
          String reason =
              failedReason != null ? failedReason : metadataFull ? metadataFullReason() : null;
          return PoolStatus.of(m, blockSizeBytes, settings, m.superblock().needsCheck(), reason);
        });
  }

  @Override
  public void close() throws IOException {
    try (PoolLock l = lock;
        DataArea d = data;
        Closeable m = this::closeMetadata) {
      commit();
    }
  }

  private void closeMetadata() throws IOException {
    try (LockedMetadata m = lockMetadata()) {
      m.metadata().close();
    }
  }
}

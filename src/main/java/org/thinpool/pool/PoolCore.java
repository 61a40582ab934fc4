package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.io.PoolStateException;
import org.thinpool.meta.tx.SpaceMap;
import org.thinpool.thin.DeviceDetails;
import org.thinpool.thin.Mapping;
import org.thinpool.thin.ThinMetadata;

/**
 * The pool's engine: serialised metadata access, the block I/O path (provision on first write,
 * break sharing on a write to a shared block), commits, and hole punching after them.
 *
 * <p>Locks, always taken in this order: block stripes ({@link BlockLocks}), the commit gate, the
 * metadata lock.
 *
 * <ul>
 *   <li>The <b>metadata lock</b> guards {@link ThinMetadata} (not thread-safe), the punch
 *       candidates and the read-only state. It is held only for metadata calls, never across data
 *       I/O.
 *   <li>The <b>commit gate</b>: a write holds it shared from allocating a data block until the
 *       mapping is inserted (or the block released); a commit holds it exclusively. So no commit
 *       ever records an allocated block without its mapping, and the data device is synced before
 *       every commit, so no committed mapping names a block whose data is not durable.
 *   <li>A <b>block stripe</b> makes a write of one (thin id, virtual block) atomic with respect to
 *       other writes, reads and discards of it: a shared block is copied once.
 * </ul>
 *
 * <p>Hole punching (discard passdown): the data blocks that a discard or delete unmaps are
 * candidates; right after the next commit, under the gate and the metadata lock (so nothing can
 * allocate them again first), those whose count is 0 are punched. Punching earlier would be
 * wrong: until that commit, the committed metadata still maps them.
 */
final class PoolCore implements AutoCloseable {
  /** The result of looking up a block for a write (spec 8.5). */
  sealed interface BlockState permits Unmapped, Exclusive, Shared {}

  record Unmapped() implements BlockState {}

  record Exclusive(long dataBlock) implements BlockState {}

  /** Mapped before the device's latest snapshot: copy before writing. */
  record Shared(long dataBlock) implements BlockState {}

  private static final Unmapped UNMAPPED = new Unmapped();

  /** A device change run as one transaction by {@link #transact}. */
  interface DeviceChange {
    /** Checks the change and returns the sizes after it; changes nothing. */
    Map<Long, Long> validate(ThinMetadata md, Map<Long, Long> sizes) throws IOException;

    /** Applies the change to the metadata (the transaction id is moved by the caller). */
    void apply(ThinMetadata md) throws IOException;
  }

  private final Path dir;
  private final PoolLock lock;
  private final ThinMetadata md;
  private final DataArea data;
  private final long blockSizeBytes;
  private final BlockLocks blockLocks = new BlockLocks();
  private final ReentrantLock mdLock = new ReentrantLock();
  private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
  private final LongList punchCandidates = new LongList();
  private volatile Map<Long, Long> sizes;
  private volatile PoolSettings settings;
  private String readOnlyReason;

  PoolCore(Path dir, PoolLock lock, ThinMetadata md, DataArea data, PoolSettings settings,
      Map<Long, Long> sizes, String readOnlyReason) {
    this.dir = dir;
    this.lock = lock;
    this.md = md;
    this.data = data;
    this.blockSizeBytes = md.dataBlockSizeSectors() * 512;
    this.settings = settings;
    this.sizes = Map.copyOf(sizes);
    this.readOnlyReason = readOnlyReason;
  }

  Path dir() {
    return dir;
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
    Long s = sizes.get(id);
    if (s == null) {
      throw new PoolStateException("no thin device " + id);
    }
    return s;
  }

  // ---- block I/O ----

  /** Reads [inBlock, inBlock + dst.remaining()) of one virtual block; unmapped reads as zeros. */
  void readBlock(long id, long vblock, int inBlock, ByteBuffer dst) throws IOException {
    ReentrantReadWriteLock.ReadLock stripe = blockLocks.forBlock(id, vblock).readLock();
    stripe.lock();
    try {
      Mapping m;
      mdLock.lock();
      try {
        m = md.lookup(id, vblock);
      } finally {
        mdLock.unlock();
      }
      if (m == null) {
        DataArea.zeroFill(dst);
      } else {
        data.read(m.dataBlock(), inBlock, dst);
      }
    } finally {
      stripe.unlock();
    }
  }

  /** Writes inside one virtual block: in place, or into a new block (provision or copy). */
  void writeBlock(long id, long vblock, int inBlock, ByteBuffer src) throws IOException {
    ReentrantReadWriteLock.WriteLock stripe = blockLocks.forBlock(id, vblock).writeLock();
    stripe.lock();
    try {
      // One retry: a full space map may have blocks that only the next commit frees.
      if (!tryWriteBlock(id, vblock, inBlock, src)) {
        commit();
        if (!tryWriteBlock(id, vblock, inBlock, src)) {
          throw outOfDataSpace();
        }
      }
    } finally {
      stripe.unlock();
    }
  }

  /** False when no block can be allocated before a commit. */
  private boolean tryWriteBlock(long id, long vblock, int inBlock, ByteBuffer src)
      throws IOException {
    gate.readLock().lock();
    try {
      BlockState state = stateForWrite(id, vblock);
      long old =
          switch (state) {
            case Exclusive e -> {
              data.write(e.dataBlock(), inBlock, src);
              yield -2;
            }
            case Shared s -> s.dataBlock();
            case Unmapped u -> -1;
          };
      return old == -2 || provision(id, vblock, old, inBlock, src);
    } finally {
      gate.readLock().unlock();
    }
  }

  private BlockState stateForWrite(long id, long vblock) throws IOException {
    mdLock.lock();
    try {
      checkWritable();
      Mapping m = md.lookup(id, vblock);
      if (m == null) {
        return UNMAPPED;
      }
      DeviceDetails d = md.details(id);
      return d.snapshottedTime() > m.time()
          ? new Shared(m.dataBlock())
          : new Exclusive(m.dataBlock());
    } finally {
      mdLock.unlock();
    }
  }

  /** Allocates, fills and maps a new block; false if allocation must wait for a commit. */
  private boolean provision(long id, long vblock, long oldBlock, int inBlock, ByteBuffer src)
      throws IOException {
    long newBlock = allocate();
    if (newBlock < 0) {
      return false;
    }
    boolean mapped = false;
    try {
      data.fill(newBlock, oldBlock, settings.zeroing(), inBlock, src);
      insert(id, vblock, newBlock);
      mapped = true;
    } finally {
      if (!mapped) {
        release(newBlock);
      }
    }
    return true;
  }

  /** A new data block, or -1 if the only free blocks were freed in this transaction. */
  private long allocate() throws IOException {
    mdLock.lock();
    try {
      checkWritable();
      try {
        return md.allocDataBlock();
      } catch (OutOfSpaceException e) {
        if (md.dataSpaceMap().nrFree() > 0) {
          return -1;
        }
        throw outOfDataSpace();
      }
    } finally {
      mdLock.unlock();
    }
  }

  private OutOfSpaceException outOfDataSpace() {
    return new OutOfSpaceException("pool " + dir + " is out of data space (all "
        + md.dataSpaceMap().nrBlocks() + " data blocks in use): grow the data device or "
        + "free blocks");
  }

  private void insert(long id, long vblock, long newBlock) throws IOException {
    mdLock.lock();
    try {
      checkWritable();
      if (!md.exists(id)) {
        throw new PoolStateException("no thin device " + id);
      }
      try {
        md.insertMapping(id, vblock, newBlock);
      } catch (IOException e) {
        throw failMetadata(e);
      }
    } finally {
      mdLock.unlock();
    }
  }

  private void release(long newBlock) throws IOException {
    mdLock.lock();
    try {
      if (readOnlyReason == null) {
        md.dataSpaceMap().dec(newBlock);
      }
    } finally {
      mdLock.unlock();
    }
  }

  /** True if the virtual block is mapped now. */
  boolean isMapped(long id, long vblock) throws IOException {
    mdLock.lock();
    try {
      return md.lookup(id, vblock) != null;
    } finally {
      mdLock.unlock();
    }
  }

  /** Unmaps [begin, end) of a device; with passdown its freed blocks are punched after commit. */
  long unmap(long id, long begin, long end, boolean passdown) throws IOException {
    if (begin >= end) {
      return 0;
    }
    try (BlockLocks.Held held = blockLocks.lockRange(id, begin, end)) {
      mdLock.lock();
      try {
        checkWritable();
        if (passdown) {
          collectFreed(id, begin, end);
        }
        try {
          return md.removeRange(id, begin, end);
        } catch (IOException e) {
          throw failMetadata(e);
        }
      } finally {
        mdLock.unlock();
      }
    }
  }

  /** Remembers the data blocks mapped in [begin, end) as punch candidates. */
  void collectFreed(long id, long begin, long end) throws IOException {
    if (!mdLock.isHeldByCurrentThread()) {
      throw new AssertionError("collectFreed without the metadata lock");
    }
    md.visitMappings(id, begin, end, (k, m) -> {
      punchCandidates.add(m.dataBlock());
      return true;
    });
  }

  // ---- transactions ----

  /** Syncs the data device, commits the metadata, then punches blocks freed by it. */
  void commit() throws IOException {
    gate.writeLock().lock();
    try {
      mdLock.lock();
      try {
        commitLocked();
      } finally {
        mdLock.unlock();
      }
    } finally {
      gate.writeLock().unlock();
    }
  }

  private void commitLocked() throws IOException {
    if (readOnlyReason != null) {
      return;
    }
    data.sync();
    try {
      md.commit();
    } catch (IOException e) {
      throw failMetadata(e);
    }
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
    data.punch(free.drainSortedUnique());
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
        mdLock.lock();
        try {
          checkWritable();
          commitLocked();
          Map<Long, Long> next = change.validate(md, sizes);
          long tid = md.transactionId();
          SizeTable.store(dir, tid, sizes, tid + 1, next);
          try {
            change.apply(md);
            md.setTransactionId(tid, tid + 1);
          } catch (IOException e) {
            abortChange(e);
          }
          commitLocked();
          sizes = Map.copyOf(next);
        } finally {
          mdLock.unlock();
        }
      } finally {
        gate.writeLock().unlock();
      }
    }
  }

  /** The transaction held only the failed change: drop it; go read-only if that fails too. */
  private void abortChange(IOException e) throws IOException {
    punchCandidates.drainSortedUnique();
    try {
      md.abort();
    } catch (IOException x) {
      e.addSuppressed(x);
      readOnlyReason = "abort after a failed change failed: " + x.getMessage();
    }
    throw e;
  }

  /** Grows the data device to {@code nrBlocks} data blocks. */
  void growData(long nrBlocks) throws IOException {
    gate.writeLock().lock();
    try {
      mdLock.lock();
      try {
        checkWritable();
        long cur = md.dataSpaceMap().nrBlocks();
        if (nrBlocks < cur) {
          throw new PoolStateException("the data device cannot shrink (" + cur + " -> "
              + nrBlocks + " blocks)");
        }
        data.device().resize(nrBlocks * blockSizeBytes);
        md.resizeDataDevice(nrBlocks);
        commitLocked();
      } finally {
        mdLock.unlock();
      }
    } finally {
      gate.writeLock().unlock();
    }
  }

  /** Grows the metadata device to {@code sizeBytes}. */
  void growMetadata(long sizeBytes) throws IOException {
    gate.writeLock().lock();
    try {
      mdLock.lock();
      try {
        checkWritable();
        long nrBlocks = Math.min(sizeBytes, MetadataSizing.MAX_BYTES) / 4096;
        md.blockManager().device().resize(nrBlocks * 4096);
        md.resizeMetadataDevice(nrBlocks);
        commitLocked();
      } finally {
        mdLock.unlock();
      }
    } finally {
      gate.writeLock().unlock();
    }
  }

  // ---- state ----

  private void checkWritable() throws PoolStateException {
    if (readOnlyReason != null) {
      throw new PoolStateException("pool " + dir + " is read-only: " + readOnlyReason);
    }
  }

  /** A metadata update failed half-way: drop the transaction and refuse further writes. */
  private IOException failMetadata(IOException e) {
    readOnlyReason = "metadata update failed: " + e.getMessage();
    punchCandidates.drainSortedUnique();
    try {
      md.abort();
    } catch (IOException x) {
      e.addSuppressed(x);
    }
    return e;
  }

  /** Runs a read of the metadata under the metadata lock. */
  <T> T withMetadata(MetadataRead<T> read) throws IOException {
    mdLock.lock();
    try {
      return read.apply(md);
    } finally {
      mdLock.unlock();
    }
  }

  /** A read of the metadata. */
  interface MetadataRead<T> {
    T apply(ThinMetadata md) throws IOException;
  }

  PoolStatus status() throws IOException {
    return withMetadata(m -> {
      SpaceMap ds = m.dataSpaceMap();
      SpaceMap ms = m.metadataSpaceMap();
      PoolMode mode = readOnlyReason != null ? PoolMode.READ_ONLY
          : ds.nrFree() == 0 ? PoolMode.OUT_OF_DATA_SPACE : PoolMode.READ_WRITE;
      PoolSettings s = settings;
      return new PoolStatus(m.transactionId(), ms.nrAllocated(), ms.nrBlocks(),
          ds.nrAllocated(), ds.nrBlocks(), blockSizeBytes, mode, s.discardMode(), s.zeroing(),
          m.superblock().needsCheck(), readOnlyReason);
    });
  }

  @Override
  public void close() throws IOException {
    try (PoolLock l = lock;
        DataArea d = data;
        ThinMetadata m = md) {
      commit();
    }
  }
}

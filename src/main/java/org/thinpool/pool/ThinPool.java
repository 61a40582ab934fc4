package org.thinpool.pool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.thinpool.thin.DeviceUsage;
import org.thinpool.thin.RestoreSink;
import org.thinpool.thin.SuperblockInfo;
import org.thinpool.thin.ThinMetadata;
import org.thinpool.thin.check.PoolCheck;

/**
 * A thin pool. In loop mode: {@code DIR/metadata} (dm-thin metadata, readable by the kernel and
 * thin-provisioning-tools) and {@code DIR/data} (the data blocks), both sparse files; in direct
 * mode, two block devices instead. Either way {@code DIR/lock} (one process at a time), {@code
 * DIR/sizes} (virtual sizes, see {@link SizeTable}) and {@code DIR/pool.conf} (discard mode,
 * zeroing, space policy, the devices of direct mode).
 *
 * <p>Contract: device changes (create, snapshot, delete, resize, grow) are durable when they
 * return; block writes are durable after a flush or {@link #commit}; a crash leaves the state of
 * the last commit, whole, with sizes that match it. Thread-safe. {@link #close} commits.
 */
public final class ThinPool implements AutoCloseable {
  public static final String METADATA_FILE = "metadata";
  public static final String DATA_FILE = "data";

  /** Virtual sizes stay far below 2^63 so that offset + length never overflows: 1 EiB. */
  public static final long MAX_THIN_SIZE_BYTES = 1L << 60;

  private final PoolCore core;

  /** False for a {@link #borrow}ed handle: closing it commits and leaves the pool open. */
  private final boolean owner;

  ThinPool(PoolCore core) {
    this(core, true);
  }

  private ThinPool(PoolCore core, boolean owner) {
    this.core = core;
    this.owner = owner;
  }

  /**
   * Another handle on this open pool for code that closes what it is given (a CLI command run by a
   * server that owns the pool): the same pool; its {@link #close} only commits.
   */
  public ThinPool borrow() {
    return new ThinPool(core, false);
  }

  /**
   * Commits, then holds off every change to the metadata (device changes, mappings, commits) until
   * the returned handle is closed, so that the metadata on disk is exactly that commit meanwhile:
   * for readers of the metadata file in the pool's own process (check, dump, ls of a served pool),
   * which cannot take {@link #lockForReading} beside the owner's lock. I/O that needs the metadata
   * waits; keep the hold short. Closed by the thread that took it.
   */
  public Closeable holdCommitted() throws IOException {
    return core.holdCommitted();
  }

  /** Creates a loop-mode pool in {@code dir} (made if missing); fails if one exists there. */
  public static ThinPool create(Path dir, PoolOptions options) throws IOException {
    return new ThinPool(PoolOpener.createLoop(dir, options));
  }

  /** As {@link #create}, with the test seams of {@link PoolHooks} (clock, device wrappers). */
  static ThinPool create(Path dir, PoolOptions options, PoolHooks hooks) throws IOException {
    return new ThinPool(PoolOpener.createLoop(dir, options, hooks));
  }

  /** As {@link #open}, with the test seams of {@link PoolHooks} (clock, device wrappers). */
  static ThinPool open(Path dir, PoolHooks hooks) throws IOException {
    return new ThinPool(PoolOpener.open(dir, hooks));
  }

  /**
   * Creates a direct-mode pool on two block devices: dm-thin metadata on {@code metadataDevice}
   * (all of it, up to {@link MetadataSizing#MAX_BYTES}), data blocks on all of {@code dataDevice}
   * ({@code options.dataSizeBytes()} must not exceed it); the options' metadata size is not used.
   * {@code dir} (made if missing) holds the lock, the sizes and {@code pool.conf}, which names the
   * devices, so {@link #open} finds them. Discard passdown is {@code ioctl(BLKDISCARD)}. The
   * devices' old contents are overwritten.
   */
  public static ThinPool createDirect(
      Path dir, Path metadataDevice, Path dataDevice, PoolOptions options) throws IOException {
    return new ThinPool(PoolOpener.createDirect(dir, metadataDevice, dataDevice, options));
  }

  /**
   * Opens the pool in {@code dir}, loop or direct mode. A data file or device larger than the
   * pool's data blocks grows the pool (the way a grown loop file grows a kernel pool). Devices
   * without a recorded size are adopted with the end of their highest mapped block as their size. A
   * pool whose metadata is down to its reserve opens read-only.
   */
  public static ThinPool open(Path dir) throws IOException {
    return new ThinPool(PoolOpener.open(dir));
  }

  /** Feeds a dump (thin_dump XML, parsed by the caller) to the sink that builds the metadata. */
  @FunctionalInterface
  public interface RestoreSource {
    void readInto(RestoreSink sink) throws IOException;
  }

  /**
   * thin_restore into the pool folder {@code dir} (made if missing): refused while the pool is
   * open, and over metadata that passes check unless {@code force}. The new metadata is built
   * beside the old and switched in by a rename, so a bad dump or a crash leaves the old pool as it
   * was. The restored devices are sized by their highest mapped block.
   */
  public static void restore(Path dir, RestoreSource source, boolean force) throws IOException {
    PoolRestore.restore(dir, source, force);
  }

  /**
   * {@code thin_check --clear-needs-check-flag}: checks the metadata of the pool in {@code dir}
   * under its lock and clears needs_check only if the check is clean (so a clean report means the
   * flag is clear now). Returns the check's report.
   */
  public static PoolCheck.Report checkAndClearNeedsCheck(Path dir) throws IOException {
    return PoolOpener.checkAndClearNeedsCheck(dir);
  }

  /**
   * A reader's lock on the pool in {@code dir}, for commands that read its metadata without opening
   * it (check, dump, thin ls, status): while it is held no process can open the pool for writing,
   * so the committed metadata stays as it is; other readers may hold it too. Fails with "pool DIR
   * is in use by process N" while a writer has the pool open: its metadata changes under a reader,
   * and blocks of the last commit are reused after the next one.
   */
  public static Closeable lockForReading(Path dir) throws IOException {
    return PoolLock.acquireShared(dir);
  }

  /**
   * The status of the pool in {@code dir} from {@code md}, its committed metadata opened read-only
   * by the caller under {@link #lockForReading}: what {@link #status} reports right after an open,
   * without opening the pool. Empty when an open would change the pool first (a grown data file,
   * device sizes to adopt, a restore to finish) or the pool is in direct mode: then open it.
   */
  public static Optional<PoolStatus> status(Path dir, ThinMetadata md) throws IOException {
    return ClosedPoolStatus.read(dir, md);
  }

  /** Where the pool in {@code dir} keeps its metadata: DIR/metadata or its metadata device. */
  public static Path metadataPath(Path dir) throws IOException {
    return PoolSettings.load(dir).metadataPath(dir);
  }

  /** Where the pool in {@code dir} keeps its data blocks: DIR/data or its data device. */
  public static Path dataPath(Path dir) throws IOException {
    return PoolSettings.load(dir).dataPath(dir);
  }

  /** True if the pool in {@code dir} is in direct mode (on block devices). */
  public static boolean isDirect(Path dir) throws IOException {
    return PoolSettings.load(dir).direct();
  }

  /**
   * The virtual sizes of the devices in {@code md} (the metadata of the pool in {@code dir}, opened
   * by the caller, possibly read-only and without the pool lock): the recorded size of {@code md}'s
   * transaction, else the end of the highest mapped block.
   */
  public static Map<Long, Long> deviceSizes(Path dir, ThinMetadata md) throws IOException {
    return PoolOpener.adoptSizes(
        md, SizeTable.load(dir, md.transactionId()), md.dataBlockSizeBytes());
  }

  /**
   * Sets the listener told when free data blocks drop to the low water mark ({@link
   * PoolOptions#lowWaterMarkBlocks}); null removes it.
   */
  public void onLowWaterMark(LowWaterMarkListener listener) {
    core.space().setListener(listener);
  }

  /**
   * What opening the pool found worth telling a person, one sentence each: thin devices without a
   * recorded size (a missing or incomplete {@code DIR/sizes}), sized by their highest mapped block
   * and recorded so.
   */
  public List<String> openWarnings() {
    return core.openWarnings();
  }

  public Path directory() {
    return core.dir();
  }

  public long dataBlockSizeBytes() {
    return core.blockSizeBytes();
  }

  /** The pool's own minimum free space in percent (pool.conf; Docker's dm.min_free_space). */
  public int minFreeSpacePercent() {
    return core.settings().minFreeSpacePercent();
  }

  // ---- devices ----

  /**
   * Creates an empty thin device (24-bit id) of {@code sizeBytes}, a positive multiple of 512 (a
   * device of size 0 can hold nothing, so asking for one is taken as a mistake).
   */
  public ThinDevice createThin(long id, long sizeBytes) throws IOException {
    checkSize(sizeBytes);
    checkNotEmpty(sizeBytes);
    core.transact(
        new PoolCore.DeviceChange() {
          @Override
          public Map<Long, Long> validate(ThinMetadata md, Map<Long, Long> sizes)
              throws IOException {
            md.checkNewId(id);
            checkMinFree(md, "create thin device " + id);
            return with(sizes, id, sizeBytes);
          }

          @Override
          public void apply(ThinMetadata md) throws IOException {
            md.createThin(id);
          }
        });
    return new ThinDevice(core, id);
  }

  /** An O(1) snapshot of {@code originId} (any device, snapshots included), of its size. */
  public ThinDevice createSnapshot(long id, long originId) throws IOException {
    core.transact(
        new PoolCore.DeviceChange() {
          @Override
          public Map<Long, Long> validate(ThinMetadata md, Map<Long, Long> sizes)
              throws IOException {
            md.checkNewId(id);
            md.requireDevice(originId);
            checkMinFree(md, "snapshot thin device " + originId + " as " + id);
            return with(sizes, id, sizes.get(originId));
          }

          @Override
          public void apply(ThinMetadata md) throws IOException {
            md.createSnap(id, originId);
          }
        });
    return new ThinDevice(core, id);
  }

  /** Deletes a device; blocks no other device shares are freed (and punched with passdown). */
  public void delete(long id) throws IOException {
    boolean passdown = core.settings().discardMode() == DiscardMode.PASSDOWN;
    core.transact(
        new PoolCore.DeviceChange() {
          @Override
          public Map<Long, Long> validate(ThinMetadata md, Map<Long, Long> sizes)
              throws IOException {
            md.requireDevice(id);
            Map<Long, Long> next = new TreeMap<>(sizes);
            next.remove(id);
            return next;
          }

          @Override
          public void apply(ThinMetadata md) throws IOException {
            if (passdown) {
              core.collectFreed(id, 0, Long.MAX_VALUE);
            }
            md.delete(id);
          }
        });
  }

  /**
   * Sets a device's virtual size. Shrinking unmaps the blocks past the new end and zeroes the tail
   * of a partial last block, so growing again reads zeros there.
   */
  public void resize(long id, long sizeBytes) throws IOException {
    checkSize(sizeBytes);
    checkNotEmpty(sizeBytes);
    ThinDevice dev = device(id);
    long old = dev.sizeBytes();
    long bs = core.blockSizeBytes();
    long firstGone = (sizeBytes + bs - 1) / bs;
    if (sizeBytes < old && sizeBytes % bs != 0) {
      dev.writeZeroes(sizeBytes, Math.min(old, firstGone * bs) - sizeBytes);
    }
    boolean passdown = core.settings().discardMode() == DiscardMode.PASSDOWN;
    core.transact(
        new PoolCore.DeviceChange() {
          @Override
          public Map<Long, Long> validate(ThinMetadata md, Map<Long, Long> sizes)
              throws IOException {
            md.requireDevice(id);
            return with(sizes, id, sizeBytes);
          }

          @Override
          public void apply(ThinMetadata md) throws IOException {
            if (sizeBytes < old) {
              if (passdown) {
                core.collectFreed(id, firstGone, Long.MAX_VALUE);
              }
              md.removeRange(id, firstGone, Long.MAX_VALUE);
            }
          }
        });
  }

  /**
   * What shrinking device {@code id} to {@code sizeBytes} would drop: the mapped blocks wholly past
   * the new end (unmapped) and whether a mapped block straddles the new end (its tail is zeroed).
   * Nothing is lost when growing or when the mappings all lie below the new end.
   */
  public ShrinkLoss shrinkLoss(long id, long sizeBytes) throws IOException {
    checkSize(sizeBytes);
    checkNotEmpty(sizeBytes);
    long old = device(id).sizeBytes();
    if (sizeBytes >= old) {
      return new ShrinkLoss(0, false);
    }
    long bs = core.blockSizeBytes();
    long firstGone = (sizeBytes + bs - 1) / bs;
    return core.withMetadata(
        md -> {
          long[] unmapped = {0};
          md.visitMappings(
              id,
              firstGone,
              Long.MAX_VALUE,
              (vblock, m) -> {
                unmapped[0]++;
                return true;
              });
          boolean cut = sizeBytes % bs != 0 && md.lookup(id, sizeBytes / bs) != null;
          return new ShrinkLoss(unmapped[0], cut);
        });
  }

  /** A handle on an existing device. */
  public ThinDevice device(long id) throws IOException {
    core.sizeOf(id);
    return new ThinDevice(core, id);
  }

  /** Every device id, ascending. */
  public List<Long> deviceIds() throws IOException {
    return core.withMetadata(ThinMetadata::deviceIds);
  }

  public ThinStatus thinStatus(long id) throws IOException {
    return device(id).status();
  }

  /**
   * Device {@code id}'s mapped data blocks split into exclusive and shared ({@link DeviceUsage}),
   * as of now (uncommitted changes included). Walks the device's mappings holding the metadata
   * lock, so I/O that needs the metadata waits for the walk: a cost proportional to the device's
   * mapped blocks, not to the pool's.
   */
  public DeviceUsage usage(long id) throws IOException {
    return core.withMetadata(md -> DeviceUsage.of(md, id));
  }

  // ---- pool ----

  public PoolStatus status() throws IOException {
    return core.status();
  }

  /**
   * Drops every change since the last commit (new mappings, allocations, device changes) and turns
   * the pool read-only, so {@link #close} commits nothing: for a command that failed half-way.
   * Bytes already written in place into blocks mapped at the last commit stay.
   */
  public void abandon(String reason) throws IOException {
    core.abandon(reason);
  }

  /** Data synced, metadata committed; blocks freed with passdown are punched after it. */
  public void commit() throws IOException {
    core.commit();
  }

  /**
   * Takes ({@code reserve}) or drops the metadata snapshot ({@code thin_dump -m} reads it); each
   * commits. Package-private: the fault harness drives it.
   */
  void metadataSnapshot(boolean reserve) throws IOException {
    core.metadataSnap(reserve);
  }

  /** Grows the data file and the pool to {@code dataSizeBytes} (whole blocks count). */
  public void growData(long dataSizeBytes) throws IOException {
    core.growData(dataSizeBytes / core.blockSizeBytes());
  }

  /** Grows the metadata file and its space map to {@code metadataSizeBytes}. */
  public void growMetadata(long metadataSizeBytes) throws IOException {
    core.growMetadata(metadataSizeBytes);
  }

  @Override
  public void close() throws IOException {
    if (owner) {
      core.close();
    } else {
      core.commit();
    }
  }

  // ---- checks ----

  private static void checkSize(long sizeBytes) {
    if (sizeBytes < 0
        || sizeBytes > MAX_THIN_SIZE_BYTES
        || sizeBytes % SuperblockInfo.SECTOR_BYTES != 0) {
      throw new IllegalArgumentException(
          "thin device size "
              + sizeBytes
              + " is not a multiple of 512 between 0 and "
              + MAX_THIN_SIZE_BYTES);
    }
  }

  private static void checkNotEmpty(long sizeBytes) {
    if (sizeBytes == 0) {
      throw new IllegalArgumentException("thin device size 0 is not allowed (give a size > 0)");
    }
  }

  /** Docker's dm.min_free_space: no new devices or snapshots on a nearly full pool. */
  private void checkMinFree(ThinMetadata md, String what) throws PoolStateException {
    core.space().checkMinFree(core.dir(), what, md.dataSpaceMap(), md.metadataSpaceMap());
  }

  private static Map<Long, Long> with(Map<Long, Long> sizes, long id, long size) {
    Map<Long, Long> next = new TreeMap<>(sizes);
    next.put(id, size);
    return next;
  }
}

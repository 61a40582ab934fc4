package org.thinpool.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.io.PoolStateException;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.thin.ThinMetadata;

/**
 * A thin pool in loop mode: {@code DIR/metadata} (dm-thin metadata, readable by the kernel and
 * thin-provisioning-tools) and {@code DIR/data} (the data blocks), both sparse files, plus
 * {@code DIR/lock} (one process at a time), {@code DIR/sizes} (virtual sizes, see {@link
 * SizeTable}) and {@code DIR/pool.conf} (discard mode, zeroing).
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

  private static final long SECTOR_BYTES = 512;

  private final PoolCore core;

  private ThinPool(PoolCore core) {
    this.core = core;
  }

  /** Creates a pool in {@code dir} (made if missing); fails if one exists there. */
  public static ThinPool create(Path dir, PoolOptions options) throws IOException {
    Files.createDirectories(dir);
    PoolLock lock = PoolLock.acquire(dir);
    Path meta = dir.resolve(METADATA_FILE);
    Path dataPath = dir.resolve(DATA_FILE);
    ThinMetadata md = null;
    FileBlockDevice dataDev = null;
    try {
      if (Files.exists(meta) || Files.exists(dataPath)) {
        throw new PoolStateException("a pool already exists in " + dir);
      }
      Files.deleteIfExists(dir.resolve(SizeTable.FILE_NAME));
      PoolSettings settings = new PoolSettings(options.discardMode(), options.zeroing());
      settings.store(dir);
      dataDev = FileBlockDevice.create(dataPath, options.dataSizeBytes());
      md = ThinMetadata.format(
          FileBlockDevice.create(meta, options.effectiveMetadataSizeBytes()),
          options.dataBlockSizeBytes() / SECTOR_BYTES, options.dataBlockCount(),
          BlockManager.DEFAULT_CACHE_BLOCKS);
      return new ThinPool(new PoolCore(dir, lock,
          md, new DataArea(dataDev, options.dataBlockSizeBytes()), settings, Map.of(), null));
    } catch (IOException | RuntimeException e) {
      closeQuietly(e, md, dataDev, lock);
      if (md != null || dataDev != null) {
        Files.deleteIfExists(meta);
        Files.deleteIfExists(dataPath);
      }
      throw e;
    }
  }

  /**
   * Opens the pool in {@code dir}. A data file larger than the pool's data blocks grows the pool
   * (the way a grown loop file grows a kernel pool). Devices without a recorded size are adopted
   * with the end of their highest mapped block as their size.
   */
  public static ThinPool open(Path dir) throws IOException {
    Path meta = dir.resolve(METADATA_FILE);
    if (!Files.isRegularFile(meta)) {
      throw new PoolStateException("no pool in " + dir + " (missing " + meta + ")");
    }
    PoolLock lock = PoolLock.acquire(dir);
    ThinMetadata md = null;
    FileBlockDevice dataDev = null;
    try {
      md = ThinMetadata.open(FileBlockDevice.open(meta), false,
          BlockManager.DEFAULT_CACHE_BLOCKS);
      dataDev = FileBlockDevice.open(dir.resolve(DATA_FILE));
      long bs = md.dataBlockSizeSectors() * SECTOR_BYTES;
      long fileBlocks = dataDev.sizeBytes() / bs;
      long poolBlocks = md.dataSpaceMap().nrBlocks();
      if (fileBlocks < poolBlocks) {
        throw new PoolStateException("data file " + dir.resolve(DATA_FILE) + " holds "
            + fileBlocks + " blocks, the metadata " + poolBlocks);
      }
      String readOnly = md.superblock().needsCheck()
          ? "the metadata's needs_check flag is set; run thinpool check" : null;
      if (fileBlocks > poolBlocks && readOnly == null) {
        md.resizeDataDevice(fileBlocks);
        md.commit();
      }
      Map<Long, Long> sizes = adoptSizes(md, SizeTable.load(dir, md.transactionId()), bs);
      return new ThinPool(new PoolCore(dir, lock, md, new DataArea(dataDev, bs),
          PoolSettings.load(dir), sizes, readOnly));
    } catch (IOException | RuntimeException e) {
      closeQuietly(e, md, dataDev, lock);
      throw e;
    }
  }

  /** Recorded sizes of existing devices; the others sized by their highest mapped block. */
  private static Map<Long, Long> adoptSizes(ThinMetadata md, Map<Long, Long> recorded, long bs)
      throws IOException {
    Map<Long, Long> sizes = new HashMap<>();
    for (long id : md.deviceIds()) {
      Long s = recorded.get(id);
      sizes.put(id, s != null ? s : (md.highestMapped(id) + 1) * bs);
    }
    return sizes;
  }

  private static void closeQuietly(Exception e, AutoCloseable... resources) {
    for (AutoCloseable r : resources) {
      if (r != null) {
        try {
          r.close();
        } catch (Exception x) {
          e.addSuppressed(x);
        }
      }
    }
  }

  public Path directory() {
    return core.dir();
  }

  public long dataBlockSizeBytes() {
    return core.blockSizeBytes();
  }

  // ---- devices ----

  /** Creates an empty thin device (24-bit id) of {@code sizeBytes}, a multiple of 512. */
  public ThinDevice createThin(long id, long sizeBytes) throws IOException {
    checkSize(sizeBytes);
    core.transact(new PoolCore.DeviceChange() {
      @Override
      public Map<Long, Long> validate(ThinMetadata md, Map<Long, Long> sizes)
          throws IOException {
        checkNewId(md, id);
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
    core.transact(new PoolCore.DeviceChange() {
      @Override
      public Map<Long, Long> validate(ThinMetadata md, Map<Long, Long> sizes)
          throws IOException {
        checkNewId(md, id);
        requireDevice(md, originId);
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
    core.transact(new PoolCore.DeviceChange() {
      @Override
      public Map<Long, Long> validate(ThinMetadata md, Map<Long, Long> sizes)
          throws IOException {
        requireDevice(md, id);
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
   * Sets a device's virtual size. Shrinking unmaps the blocks past the new end and zeroes the
   * tail of a partial last block, so growing again reads zeros there.
   */
  public void resize(long id, long sizeBytes) throws IOException {
    checkSize(sizeBytes);
    ThinDevice dev = device(id);
    long old = dev.sizeBytes();
    long bs = core.blockSizeBytes();
    long firstGone = (sizeBytes + bs - 1) / bs;
    if (sizeBytes < old && sizeBytes % bs != 0) {
      dev.writeZeroes(sizeBytes, Math.min(old, firstGone * bs) - sizeBytes);
    }
    boolean passdown = core.settings().discardMode() == DiscardMode.PASSDOWN;
    core.transact(new PoolCore.DeviceChange() {
      @Override
      public Map<Long, Long> validate(ThinMetadata md, Map<Long, Long> sizes)
          throws IOException {
        requireDevice(md, id);
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

  // ---- pool ----

  public PoolStatus status() throws IOException {
    return core.status();
  }

  /** Data synced, metadata committed; blocks freed with passdown are punched after it. */
  public void commit() throws IOException {
    core.commit();
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
    core.close();
  }

  // ---- checks ----

  private static void checkSize(long sizeBytes) {
    if (sizeBytes < 0 || sizeBytes > MAX_THIN_SIZE_BYTES || sizeBytes % SECTOR_BYTES != 0) {
      throw new IllegalArgumentException("thin device size " + sizeBytes
          + " is not a multiple of 512 between 0 and " + MAX_THIN_SIZE_BYTES);
    }
  }

  private static void checkNewId(ThinMetadata md, long id) throws IOException {
    if (id < 0 || id > ThinMetadata.MAX_DEVICE_ID) {
      throw new PoolStateException(
          "thin id " + id + " is outside 0.." + ThinMetadata.MAX_DEVICE_ID);
    }
    if (md.exists(id)) {
      throw new PoolStateException("thin device " + id + " already exists");
    }
  }

  private static void requireDevice(ThinMetadata md, long id) throws IOException {
    if (!md.exists(id)) {
      throw new PoolStateException("no thin device " + id);
    }
  }

  private static Map<Long, Long> with(Map<Long, Long> sizes, long id, long size) {
    Map<Long, Long> next = new TreeMap<>(sizes);
    next.put(id, size);
    return next;
  }
}

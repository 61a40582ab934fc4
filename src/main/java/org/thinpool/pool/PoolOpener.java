package org.thinpool.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.thinpool.io.BlockDevice;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.io.PoolStateException;
import org.thinpool.io.RawBlockDevice;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.thin.PoolCheck;
import org.thinpool.thin.ThinMetadata;

/**
 * Creating and opening pools, in loop mode (files {@code DIR/metadata} and {@code DIR/data}) and
 * in direct mode (two block devices named in {@code DIR/pool.conf}). Either way the directory
 * holds the lock, the sizes and the settings.
 */
final class PoolOpener {
  private static final long SECTOR_BYTES = 512;
  /** Clearing a flag reads the superblock and the space maps' roots: a small cache will do. */
  private static final int CHECK_CACHE_BLOCKS = 64;

  private PoolOpener() {}

  static PoolCore createLoop(Path dir, PoolOptions options) throws IOException {
    return createLoop(dir, options, PoolHooks.NONE);
  }

  static PoolCore createLoop(Path dir, PoolOptions options, PoolHooks hooks) throws IOException {
    Files.createDirectories(dir);
    PoolLock lock = PoolLock.acquire(dir);
    Path meta = dir.resolve(ThinPool.METADATA_FILE);
    Path dataPath = dir.resolve(ThinPool.DATA_FILE);
    BlockDevice metaDev = null;
    BlockDevice dataDev = null;
    try {
      refuseExisting(dir);
      PoolSettings settings = PoolSettings.of(options, null, null);
      dataDev = hooks.data().wrap(dataPath,
          FileBlockDevice.create(dataPath, options.dataSizeBytes()));
      metaDev = hooks.metadata().wrap(meta,
          FileBlockDevice.create(meta, options.effectiveMetadataSizeBytes()));
      return format(dir, lock, settings, options, metaDev, dataDev, options.dataBlockCount(),
          hooks);
    } catch (IOException | RuntimeException e) {
      closeQuietly(e, metaDev, dataDev, lock);
      if (metaDev != null || dataDev != null) {
        Files.deleteIfExists(meta);
        Files.deleteIfExists(dataPath);
      }
      throw e;
    }
  }

  static PoolCore createDirect(Path dir, Path metadataDevice, Path dataDevice,
      PoolOptions options) throws IOException {
    Files.createDirectories(dir);
    PoolLock lock = PoolLock.acquire(dir);
    BlockDevice metaDev = null;
    BlockDevice dataDev = null;
    try {
      refuseExisting(dir);
      if (metadataDevice.toRealPath().equals(dataDevice.toRealPath())) {
        throw new PoolStateException("the metadata and data devices are both " + dataDevice);
      }
      metaDev = RawBlockDevice.open(metadataDevice);
      dataDev = RawBlockDevice.open(dataDevice);
      if (options.dataSizeBytes() > dataDev.sizeBytes()) {
        throw new PoolStateException("data device " + dataDevice + " holds "
            + dataDev.sizeBytes() + " bytes, less than the " + options.dataSizeBytes()
            + " asked for");
      }
      long nrBlocks = dataDev.sizeBytes() / options.dataBlockSizeBytes();
      PoolSettings settings = PoolSettings.of(options, metadataDevice, dataDevice);
      return format(dir, lock, settings, options, metaDev, dataDev, nrBlocks, PoolHooks.NONE);
    } catch (IOException | RuntimeException e) {
      closeQuietly(e, metaDev, dataDev, lock);
      throw e;
    }
  }

  /** Refuses a directory that already holds a pool (files, or devices named in pool.conf). */
  private static void refuseExisting(Path dir) throws IOException {
    if (Files.exists(dir.resolve(ThinPool.METADATA_FILE))
        || Files.exists(dir.resolve(ThinPool.DATA_FILE))
        || PoolSettings.load(dir).direct()) {
      throw new PoolStateException("a pool already exists in " + dir);
    }
  }

  /** Formats the metadata; settings are stored before, so a half-made pool is recognisable. */
  private static PoolCore format(Path dir, PoolLock lock, PoolSettings settings,
      PoolOptions options, BlockDevice metaDev, BlockDevice dataDev, long nrDataBlocks,
      PoolHooks hooks) throws IOException {
    Files.deleteIfExists(dir.resolve(SizeTable.FILE_NAME));
    settings.store(dir);
    ThinMetadata md = ThinMetadata.format(metaDev, options.dataBlockSizeBytes() / SECTOR_BYTES,
        nrDataBlocks, BlockManager.DEFAULT_CACHE_BLOCKS);
    DataArea data = new DataArea(dataDev, settings.dataPath(dir).toString(),
        options.dataBlockSizeBytes(), nrDataBlocks);
    return new PoolCore(dir, lock, md, data, settings, Map.of(), null, hooks.clock());
  }

  /**
   * Opens the pool in {@code dir}. A data file or device larger than the pool's data blocks grows
   * the pool (the way a grown loop file grows a kernel pool). Devices without a recorded size are
   * adopted with the end of their highest mapped block as their size.
   */
  static PoolCore open(Path dir) throws IOException {
    return open(dir, PoolHooks.NONE);
  }

  static PoolCore open(Path dir, PoolHooks hooks) throws IOException {
    PoolSettings settings = PoolSettings.load(dir);
    Path meta = settings.metadataPath(dir);
    if (!settings.direct() && !Files.isRegularFile(meta)) {
      throw new PoolStateException("no pool in " + dir + " (missing " + meta + ")");
    }
    PoolLock lock = PoolLock.acquire(dir);
    ThinMetadata md = null;
    BlockDevice dataDev = null;
    try {
      BlockDevice metaDev = hooks.metadata().wrap(meta,
          settings.direct() ? RawBlockDevice.open(meta) : FileBlockDevice.open(meta));
      md = openMetadata(meta, metaDev);
      Path dataPath = settings.dataPath(dir);
      dataDev = hooks.data().wrap(dataPath,
          settings.direct() ? RawBlockDevice.open(dataPath) : FileBlockDevice.open(dataPath));
      long bs = md.dataBlockSizeSectors() * SECTOR_BYTES;
      long deviceBlocks = dataDev.sizeBytes() / bs;
      long poolBlocks = md.dataSpaceMap().nrBlocks();
      if (deviceBlocks < poolBlocks) {
        throw new PoolStateException("data device " + dataPath + " holds " + deviceBlocks
            + " blocks, the metadata " + poolBlocks);
      }
      String failed = md.superblock().needsCheck()
          ? "the metadata's needs_check flag is set; run thinpool check" : null;
      if (deviceBlocks > poolBlocks && failed == null) {
        md.resizeDataDevice(deviceBlocks);
        md.commit();
      }
      Map<Long, Long> sizes = adoptSizes(md, SizeTable.load(dir, md.transactionId()), bs);
      DataArea data = new DataArea(dataDev, dataPath.toString(), bs,
          md.dataSpaceMap().nrBlocks());
      return new PoolCore(dir, lock, md, data, settings, sizes, failed, hooks.clock());
    } catch (IOException | RuntimeException e) {
      closeQuietly(e, md, dataDev, lock);
      throw e;
    }
  }

  /**
   * thin_check's {@code --clear-needs-check-flag}: under the pool lock, checks the metadata and
   * clears needs_check only if the check is clean. Returns the check's report.
   */
  static PoolCheck.Report checkAndClearNeedsCheck(Path dir) throws IOException {
    PoolSettings settings = PoolSettings.load(dir);
    Path meta = settings.metadataPath(dir);
    if (!settings.direct() && !Files.isRegularFile(meta)) {
      throw new PoolStateException("no pool in " + dir + " (missing " + meta + ")");
    }
    try (PoolLock lock = PoolLock.acquire(dir);
        BlockDevice dev = settings.direct() ? RawBlockDevice.open(meta)
            : FileBlockDevice.open(meta)) {
      PoolCheck.Report report = PoolCheck.run(dev);
      if (report.clean()) {
        ThinMetadata md = ThinMetadata.open(dev, false, CHECK_CACHE_BLOCKS);
        if (md.superblock().needsCheck()) {
          md.clearNeedsCheck();
        }
      }
      return report;
    }
  }

  /**
   * Opens the metadata for writing; one that cannot be opened (truncated, corrupt) is refused
   * before anything is written, with the file named.
   */
  private static ThinMetadata openMetadata(Path meta, BlockDevice metaDev) throws IOException {
    try {
      return ThinMetadata.open(metaDev, false, BlockManager.DEFAULT_CACHE_BLOCKS);
    } catch (PoolStateException e) {
      metaDev.close();
      throw new PoolStateException("metadata " + meta + ": " + e.getMessage());
    } catch (IOException | RuntimeException e) {
      metaDev.close();
      throw e;
    }
  }

  /** Recorded sizes of existing devices; the others sized by their highest mapped block. */
  static Map<Long, Long> adoptSizes(ThinMetadata md, Map<Long, Long> recorded, long bs)
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
}

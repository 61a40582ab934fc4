package org.thinpool.pool;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.thinpool.io.BlockDevice;
import org.thinpool.io.DirectoryLock;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.io.RawBlockDevice;
import org.thinpool.io.StateException;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.thin.SuperblockInfo;
import org.thinpool.thin.ThinMetadata;
import org.thinpool.thin.check.PoolCheck;

/**
 * Creating and opening pools, in loop mode (files {@code DIR/metadata} and {@code DIR/data}) and in
 * direct mode (two block devices named in {@code DIR/pool.conf}). Either way the directory holds
 * the lock, the sizes and the settings.
 */
final class PoolOpener {

  /** Why a pool whose superblock has needs_check set opens read-only. */
  static final String NEEDS_CHECK_REASON =
      "the metadata's needs_check flag is set; run thinpool check";

  /** Clearing a flag reads the superblock and the space maps' roots: a small cache will do. */
  private static final int CHECK_CACHE_BLOCKS = 64;

  private PoolOpener() {}

  static PoolCore createLoop(Path dir, PoolOptions options) throws IOException {
    return createLoop(dir, options, PoolHooks.NONE);
  }

  /** As {@link #createLoop(Path, PoolOptions)}; the pool is opened with {@code hooks}. */
  static PoolCore createLoop(Path dir, PoolOptions options, PoolHooks hooks) throws IOException {
    return create(
        dir,
        hooks,
        tmp -> {
          PoolSettings settings = PoolSettings.of(options, null, null);
          try (BlockDevice dataDev =
                  FileBlockDevice.create(tmp.resolve(ThinPool.DATA_FILE), options.dataSizeBytes());
              BlockDevice metaDev =
                  FileBlockDevice.create(
                      tmp.resolve(ThinPool.METADATA_FILE), options.effectiveMetadataSizeBytes())) {
            format(tmp, settings, options, metaDev, options.dataBlockCount());
            dataDev.sync();
          }
        });
  }

  static PoolCore createDirect(Path dir, Path metadataDevice, Path dataDevice, PoolOptions options)
      throws IOException {
    if (metadataDevice.toRealPath().equals(dataDevice.toRealPath())) {
      throw new PoolStateException("the metadata and data devices are both " + dataDevice);
    }
    return create(
        dir,
        PoolHooks.NONE,
        tmp -> {
          try (BlockDevice metaDev = RawBlockDevice.openExclusive(metadataDevice);
              BlockDevice dataDev = RawBlockDevice.open(dataDevice)) {
            if (options.dataSizeBytes() > dataDev.sizeBytes()) {
              throw new PoolStateException(
                  "data device "
                      + dataDevice
                      + " holds "
                      + dataDev.sizeBytes()
                      + " bytes, less than the "
                      + options.dataSizeBytes()
                      + " asked for");
            }
            long nrBlocks = dataDev.sizeBytes() / options.dataBlockSizeBytes();
            PoolSettings settings = PoolSettings.of(options, metadataDevice, dataDevice);
            format(tmp, settings, options, metaDev, nrBlocks);
          }
        });
  }

  /** Makes a new pool's files in a folder that is not yet the pool's. */
  private interface Builder {
    void build(Path tmp) throws IOException;
  }

  /**
   * Builds the pool in a temporary folder beside {@code dir}, locked from the start, and renames it
   * into place (over an empty {@code dir}, if one exists): a failed or killed create leaves no
   * half-made pool behind, only at worst a hidden {@code .NAME.creating-*} folder that no command
   * takes for a pool, so a retry works. The lock follows the folder through the rename.
   */
  private static PoolCore create(Path dir, PoolHooks hooks, Builder builder) throws IOException {
    Path target = refuseExisting(dir);
    Path parent = target.getParent();
    Files.createDirectories(parent);
    String prefix = "." + target.getFileName() + ".creating-";
    removeAbandoned(parent, prefix);
    Path tmp =
        parent.resolve(
            prefix + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime()));
    Files.createDirectory(tmp);
    PoolLock lock = null;
    try {
      lock = PoolLock.acquire(tmp);
      builder.build(tmp);
      lock.excludeReaders(PoolSettings.load(tmp).metadataPath(tmp));
      AtomicFiles.syncDirectory(tmp);
      moveIntoPlace(tmp, target, dir);
      AtomicFiles.syncDirectory(parent);
    } catch (IOException | RuntimeException e) {
      closeQuietly(e, lock);
      deleteTree(tmp, e);
      throw e;
    }
    return openLocked(dir, lock, hooks);
  }

  /**
   * The real path to create the pool at; refuses a folder that holds a pool (files, or devices
   * named in pool.conf) or anything else.
   */
  private static Path refuseExisting(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return dir.toAbsolutePath().normalize();
    }
    if (!Files.isDirectory(dir)) {
      throw new PoolStateException("cannot create a pool at " + dir + ": not a directory");
    }
    if (Files.exists(dir.resolve(ThinPool.METADATA_FILE))
        || Files.exists(dir.resolve(ThinPool.DATA_FILE))
        || Files.exists(dir.resolve(PoolSettings.FILE_NAME))) {
      throw new PoolStateException("a pool already exists in " + dir);
    }
    try (var entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) {
        throw new PoolStateException(
            "cannot create a pool in " + dir + ": the directory is not empty");
      }
    }
    return dir.toRealPath();
  }

  /**
   * Removes the temporary folders of creates that were killed: one whose creator (the pid in its
   * name) is gone and whose lock can be taken. The pid test keeps a create that has made its folder
   * but not yet locked it safe from another create's cleanup.
   */
  private static void removeAbandoned(Path parent, String prefix) throws IOException {
    List<Path> found;
    try (var entries = Files.list(parent)) {
      found = entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
    }
    for (Path p : found) {
      if (creatorAlive(p.getFileName().toString().substring(prefix.length()))) {
        continue;
      }
      try (DirectoryLock l = DirectoryLock.tryLock(p)) {
        if (l != null) {
          deleteTree(p, new IOException("removing " + p)); // best effort: it is only clutter
        }
      } catch (IOException e) {
        // Removed by another create meanwhile, or not a folder we may open: leave it be.
      }
    }
  }

  /** {@code PID-NANOS}: true if that process still runs (or the name is not ours). */
  private static boolean creatorAlive(String suffix) {
    int dash = suffix.indexOf('-');
    try {
      long pid = Long.parseLong(dash < 0 ? suffix : suffix.substring(0, dash));
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private static void moveIntoPlace(Path tmp, Path target, Path dir) throws IOException {
    try {
      // rename(2): replaces an empty directory, fails if another create got there first.
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileSystemException e) {
      if (Files.isDirectory(target)) {
        throw new PoolStateException(
            "a pool already exists in " + dir + " (created while this one was being made)");
      }
      throw e;
    }
  }

  private static void deleteTree(Path tmp, Exception e) {
    try (var walk = Files.walk(tmp)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | RuntimeException x) {
      e.addSuppressed(x);
    }
  }

  /** Formats the metadata and writes the settings and an empty sizes file. */
  private static void format(
      Path tmp, PoolSettings settings, PoolOptions options, BlockDevice metaDev, long nrDataBlocks)
      throws IOException {
    settings.store(tmp);
    ThinMetadata md =
        ThinMetadata.format(
            metaDev,
            options.dataBlockSizeBytes() / SuperblockInfo.SECTOR_BYTES,
            nrDataBlocks,
            BlockManager.DEFAULT_CACHE_BLOCKS);
    SizeTable.store(tmp, md.transactionId(), Map.of(), md.transactionId(), Map.of());
    md.close();
  }

  /**
   * Opens the pool in {@code dir}. A data file or device larger than the pool's data blocks grows
   * the pool (the way a grown loop file grows a kernel pool). Devices without a recorded size are
   * adopted with the end of their highest mapped block as their size.
   */
  static PoolCore open(Path dir) throws IOException {
    return open(dir, PoolHooks.NONE);
  }

  /** As {@link #open(Path)}, with the test seams of {@code hooks}. */
  static PoolCore open(Path dir, PoolHooks hooks) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new PoolStateException("no pool at " + dir + " (not a directory)");
    }
    return openLocked(dir, PoolLock.acquire(dir), hooks);
  }

  /** Opens the pool whose writer's lock the caller holds; closes the lock if it fails. */
  private static PoolCore openLocked(Path dir, PoolLock lock, PoolHooks hooks) throws IOException {
    BlockDevice metaDev = null;
    ThinMetadata md = null;
    BlockDevice dataDev = null;
    try {
      PoolSettings settings = PoolSettings.load(dir);
      PoolRestore.finishInterrupted(dir);
      Path meta = settings.metadataPath(dir);
      if (!settings.direct() && !Files.isRegularFile(meta)) {
        throw new PoolStateException("no pool in " + dir + " (missing " + meta + ")");
      }
      metaDev =
          hooks
              .metadata()
              .wrap(
                  meta,
                  settings.direct()
                      ? RawBlockDevice.openExclusive(meta)
                      : FileBlockDevice.open(meta));
      md = openMetadata(meta, metaDev);
      Path dataPath = settings.dataPath(dir);
      dataDev =
          hooks
              .data()
              .wrap(
                  dataPath,
                  settings.direct()
                      ? RawBlockDevice.open(dataPath)
                      : FileBlockDevice.open(dataPath));
      long bs = md.dataBlockSizeBytes();
      long deviceBlocks = dataDev.sizeBytes() / bs;
      long poolBlocks = md.dataSpaceMap().nrBlocks();
      if (deviceBlocks < poolBlocks) {
        throw new PoolStateException(
            "data device "
                + dataPath
                + " holds "
                + deviceBlocks
                + " blocks, the metadata "
                + poolBlocks);
      }
      // Sizes first: a damaged sizes file refuses the open before anything is committed.
      List<String> warnings = new ArrayList<>();
      Map<Long, Long> sizes = loadSizes(dir, md, bs, warnings);
      String failed = md.superblock().needsCheck() ? NEEDS_CHECK_REASON : null;
      if (deviceBlocks > poolBlocks && failed == null) {
        md.resizeDataDevice(deviceBlocks);
        md.commit();
      }
      DataArea data =
          new DataArea(
              dataDev, dataPath.toString(), bs, md.dataSpaceMap().nrBlocks(), hooks.dataTuning());
      PoolCore core = new PoolCore(dir, lock, md, data, settings, sizes, failed, hooks.clock());
      core.setOpenWarnings(warnings);
      return core;
    } catch (IOException | RuntimeException e) {
      closeQuietly(e, md != null ? md : metaDev, dataDev, lock);
      throw e;
    }
  }

  /**
   * Opens the metadata for writing; metadata that cannot be opened as it is (truncated, say) is
   * refused before anything is written, naming the file.
   */
  private static ThinMetadata openMetadata(Path meta, BlockDevice metaDev) throws IOException {
    try {
      return ThinMetadata.open(metaDev, false, BlockManager.DEFAULT_CACHE_BLOCKS);
    } catch (StateException e) {
      throw new PoolStateException("metadata " + meta + ": " + e.getMessage());
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
        BlockDevice dev =
            settings.direct() ? RawBlockDevice.openExclusive(meta) : FileBlockDevice.open(meta)) {
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
   * The devices' sizes: recorded, or adopted by their highest mapped block, with a warning and
   * recorded at once, so a missing or incomplete sizes file is rebuilt and never shrinks a device
   * silently.
   */
  private static Map<Long, Long> loadSizes(
      Path dir, ThinMetadata md, long bs, List<String> warnings) throws IOException {
    boolean missing = !Files.exists(PoolRestore.sizesFile(dir));
    Map<Long, Long> recorded = SizeTable.load(dir, md.transactionId());
    Map<Long, Long> sizes = adoptSizes(md, recorded, bs);
    Map<Long, Long> adopted = new TreeMap<>(sizes);
    adopted.keySet().removeAll(recorded.keySet());
    if (adopted.isEmpty() && !missing) {
      return sizes;
    }
    if (!adopted.isEmpty()) {
      Path file = dir.resolve(SizeTable.FILE_NAME);
      warnings.add(
          (missing
                  ? file + " was missing: rebuilt it from the metadata; "
                  : "no size recorded in " + file + " for ")
              + "thin device(s) "
              + adopted.keySet()
              + ", each sized by its highest mapped block "
              + "(bytes: "
              + adopted.values()
              + ")");
    }
    long tid = md.transactionId();
    SizeTable.store(dir, tid, sizes, tid, sizes);
    return sizes;
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

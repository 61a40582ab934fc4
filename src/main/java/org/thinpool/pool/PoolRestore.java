package org.thinpool.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.thin.MetadataRestorer;
import org.thinpool.thin.SuperblockInfo;
import org.thinpool.thin.ThinMetadata;
import org.thinpool.thin.check.PoolCheck;

/**
 * thin_restore into a pool folder, so that it can never destroy a live or good pool:
 *
 * <ul>
 *   <li>it holds the writer's {@link PoolLock} throughout: refused while the pool is open;
 *   <li>over metadata that passes {@link PoolCheck} it needs {@code force} (LVM asks too);
 *   <li>it builds {@code metadata.restore-tmp} and {@code sizes.restore-tmp} beside the old files,
 *       makes both durable, then renames the metadata over the old one: that rename is the switch.
 *       The sizes follow by a second rename; if a crash comes between the two, {@link
 *       #finishInterrupted} (run by the next opener, under the lock) completes it, and a restore
 *       that never reached the switch is removed, leaving the old pool as it was.
 * </ul>
 *
 * <p>The restored devices' virtual sizes are those of their highest mapped block (a dump does not
 * hold sizes; kernel-made devices are adopted the same way), never the old pool's.
 */
final class PoolRestore {
  static final String METADATA_TMP = ThinPool.METADATA_FILE + ".restore-tmp";
  static final String SIZES_TMP = SizeTable.FILE_NAME + ".restore-tmp";

  /** Floor and ceiling of a new metadata file; the kernel uses at most ~16 GiB. */
  static final long MIN_METADATA_BYTES = 4L << 20;

  static final long MAX_METADATA_BYTES = 16L << 30;

  private PoolRestore() {}

  static void restore(Path dir, ThinPool.RestoreSource source, boolean force) throws IOException {
    Files.createDirectories(dir);
    try (PoolLock lock = PoolLock.acquire(dir)) {
      PoolSettings settings = PoolSettings.load(dir);
      if (settings.direct()) {
        throw new PoolStateException(
            "restore into the direct-mode pool "
                + dir
                + " is not supported: its metadata is the device "
                + settings.metadataDevice()
                + "; restore into a new folder and copy its metadata file onto the device");
      }
      finishInterrupted(dir);
      Path meta = dir.resolve(ThinPool.METADATA_FILE);
      if (!force && Files.exists(meta) && passesCheck(meta)) {
        throw new PoolStateException(
            "the metadata of pool "
                + dir
                + " passes check: a "
                + "restore would replace a good pool; add --force to replace it anyway");
      }
      build(dir, lock, source, Files.isRegularFile(meta) ? Files.size(meta) : 0);
    }
  }

  private static boolean passesCheck(Path meta) {
    try (FileBlockDevice dev = FileBlockDevice.openReadOnly(meta)) {
      return PoolCheck.run(dev).clean();
    } catch (IOException e) {
      return false; // unreadable metadata is what restore is for
    }
  }

  private static void build(
      Path dir, PoolLock lock, ThinPool.RestoreSource source, long existingBytes)
      throws IOException {
    Path tmpMeta = dir.resolve(METADATA_TMP);
    Path tmpSizes = dir.resolve(SIZES_TMP);
    MetadataRestorer restorer =
        new MetadataRestorer(
            sb -> {
              checkDataFile(dir, sb);
              return FileBlockDevice.create(tmpMeta, metadataSizeFor(sb, existingBytes));
            },
            BlockManager.DEFAULT_CACHE_BLOCKS);
    boolean switched = false;
    try {
      source.readInto(restorer);
      ThinMetadata md = restorer.result();
      if (md == null) {
        throw new PoolStateException("the dump holds no superblock");
      }
      long tid = md.transactionId();
      Map<Long, Long> sizes = PoolOpener.adoptSizes(md, Map.of(), md.dataBlockSizeBytes());
      md.close(); // committed (and synced) by the restorer's end
      SizeTable.writeWhole(tmpSizes, tid, sizes);
      AtomicFiles.syncDirectory(dir);
      lock.excludeReaders(tmpMeta); // readers are refused the new metadata from the switch on
      Files.move(
          tmpMeta,
          dir.resolve(ThinPool.METADATA_FILE),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      switched = true;
      AtomicFiles.syncDirectory(dir);
      finishInterrupted(dir);
    } catch (IOException | RuntimeException e) {
      ThinMetadata md = restorer.result();
      if (md != null) {
        try {
          md.close();
        } catch (IOException | RuntimeException x) {
          e.addSuppressed(x);
        }
      }
      if (!switched) {
        Files.deleteIfExists(tmpMeta);
        Files.deleteIfExists(tmpSizes);
      }
      throw e;
    }
  }

  /**
   * A dump whose data blocks the pool's data file cannot hold would make a pool that never opens.
   */
  private static void checkDataFile(Path dir, SuperblockInfo sb) throws IOException {
    Path data = dir.resolve(ThinPool.DATA_FILE);
    if (!Files.isRegularFile(data)) {
      return;
    }
    long held = Files.size(data) / sb.dataBlockSizeBytes();
    if (held < sb.nrDataBlocks()) {
      throw new PoolStateException(
          "the dump has "
              + sb.nrDataBlocks()
              + " data blocks of "
              + sb.dataBlockSizeBytes()
              + " bytes, more than the "
              + held
              + " that "
              + data
              + " holds");
    }
  }

  /** Keeps an existing file's size; else 128 bytes per data block, within the bounds. */
  static long metadataSizeFor(SuperblockInfo sb, long existingBytes) {
    if (existingBytes >= MIN_METADATA_BYTES) {
      return existingBytes;
    }
    long bytes = Math.max(MIN_METADATA_BYTES, sb.nrDataBlocks() * 128 + MIN_METADATA_BYTES);
    bytes = Math.min(bytes, MAX_METADATA_BYTES);
    return (bytes + 4095) / 4096 * 4096;
  }

  /**
   * Completes or undoes a restore that was interrupted; the caller holds the writer's lock. A
   * temporary metadata file means the switch never happened: both temporary files go. A temporary
   * sizes file alone means it did: it becomes the sizes file.
   */
  static void finishInterrupted(Path dir) throws IOException {
    Path tmpMeta = dir.resolve(METADATA_TMP);
    Path tmpSizes = dir.resolve(SIZES_TMP);
    if (Files.exists(tmpMeta)) {
      Files.deleteIfExists(tmpSizes);
      Files.delete(tmpMeta);
      AtomicFiles.syncDirectory(dir);
    } else if (Files.exists(tmpSizes)) {
      Files.move(
          tmpSizes,
          dir.resolve(SizeTable.FILE_NAME),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.syncDirectory(dir);
    }
  }

  /** The sizes file that goes with the current metadata (see {@link #finishInterrupted}). */
  static Path sizesFile(Path dir) {
    Path tmpSizes = dir.resolve(SIZES_TMP);
    return Files.exists(tmpSizes) && !Files.exists(dir.resolve(METADATA_TMP))
        ? tmpSizes
        : dir.resolve(SizeTable.FILE_NAME);
  }
}

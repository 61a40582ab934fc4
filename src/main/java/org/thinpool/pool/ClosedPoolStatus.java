package org.thinpool.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.thinpool.meta.tx.SpaceMap;
import org.thinpool.thin.ThinMetadata;

/**
 * The status of a pool that no process has open, read from its committed metadata without opening
 * the pool (so without the writer's lock and without writing anything): what {@link
 * PoolCore#status} reports right after an open that found nothing to change.
 *
 * <p>None when an open would change the pool first, so that the status it reports and what it tells
 * the user stay the open's own: a restore to finish, sizes to adopt (a missing or incomplete sizes
 * file, with a warning), a data file that grew (the open grows the pool to it), and direct mode
 * (its device sizes take native calls anyway). The caller then opens the pool. A fresh open has no
 * failure of its own yet, so the pool is read-only only for needs_check.
 */
final class ClosedPoolStatus {

  private ClosedPoolStatus() {}

  static Optional<PoolStatus> read(Path dir, ThinMetadata md) throws IOException {
    PoolSettings settings = PoolSettings.load(dir);
    if (settings.direct()
        || Files.exists(dir.resolve(PoolRestore.METADATA_TMP))
        || Files.exists(dir.resolve(PoolRestore.SIZES_TMP))
        || !Files.exists(dir.resolve(SizeTable.FILE_NAME))) {
      return Optional.empty();
    }
    // Loaded as the open loads it: a damaged sizes file is refused the same way.
    Map<Long, Long> recorded = SizeTable.load(dir, md.transactionId());
    if (!recorded.keySet().containsAll(md.deviceIds())) {
      return Optional.empty();
    }
    SpaceMap ds = md.dataSpaceMap();
    long blockSizeBytes = md.dataBlockSizeBytes();
    boolean needsCheck = md.superblock().needsCheck();
    Path data = settings.dataPath(dir);
    if (!Files.isRegularFile(data)
        || (!needsCheck && Files.size(data) / blockSizeBytes > ds.nrBlocks())) {
      return Optional.empty();
    }
    String reason = needsCheck ? PoolOpener.NEEDS_CHECK_REASON : null;
    return Optional.of(PoolStatus.of(md, blockSizeBytes, settings, needsCheck, reason));
  }
}

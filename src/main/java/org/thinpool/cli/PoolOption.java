package org.thinpool.cli;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.thinpool.io.BlockDevice;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.io.RawBlockDevice;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.pool.PoolStateException;
import org.thinpool.pool.ThinPool;
import org.thinpool.thin.ThinMetadata;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/** {@code --pool DIR}: defaults to $THINPOOL_POOL, else ./thinpool-data. */
final class PoolOption {
  Path dir;

  /** The option, given to every command (inherited): its value goes to {@link #dir}. */
  OptionSpec option() {
    return CodedModel.option(
            new String[] {"--pool"},
            Path.class,
            "Pool directory (files 'metadata' and 'data'). Default: $THINPOOL_POOL, "
                + "else ./thinpool-data.",
            () -> dir,
            d -> dir = d)
        .paramLabel("DIR")
        .scopeType(ScopeType.INHERIT)
        .build();
  }

  /** The pool when this command runs inside the server that owns it (the control socket). */
  ThinPool served;

  Path dir() {
    if (served != null) {
      return served.directory();
    }
    if (dir != null) {
      return dir;
    }
    String env = System.getenv("THINPOOL_POOL");
    return Path.of(env != null && !env.isEmpty() ? env : "thinpool-data");
  }

  /** DIR/metadata, or the metadata device that DIR/pool.conf names (direct mode). */
  Path metadata() throws IOException {
    return Files.isDirectory(dir()) ? ThinPool.metadataPath(dir()) : dir().resolve("metadata");
  }

  Path data() {
    return dir().resolve("data");
  }

  Path existingMetadata() throws IOException {
    Path m = metadata();
    if (!Files.isRegularFile(m) && !RawBlockDevice.isBlockDevice(m)) {
      throw new PoolStateException("no pool at " + dir() + " (missing " + m + ")");
    }
    return m;
  }

  /**
   * A reader's lock on the pool (see {@link ThinPool#lockForReading}): held around every read of
   * the metadata without opening the pool, so no writer changes it meanwhile.
   */
  Closeable lockForReading() throws IOException {
    if (served != null) {
      return served.holdCommitted(); // the server holds the lock; it holds its commits instead
    }
    return ThinPool.lockForReading(dir());
  }

  /** A read of the committed metadata (see {@link #readMetadata}). */
  @FunctionalInterface
  interface MetadataRead<T> {
    T apply(ThinMetadata md) throws IOException;
  }

  /**
   * Runs {@code read} on the pool's committed metadata, opened read-only under {@link
   * #lockForReading}: the way the read-only commands (thin ls, status) open a pool. The metadata's
   * fd closes before the lock, after the read: a classic POSIX lock drops with any close of its
   * file.
   */
  <T> T readMetadata(MetadataRead<T> read) throws IOException {
    try (Closeable lock = lockForReading();
        ThinMetadata md =
            ThinMetadata.open(openMetadataReadOnly(), true, BlockManager.DEFAULT_CACHE_BLOCKS)) {
      return read.apply(md);
    }
  }

  /** The metadata file or device, read-only; callers hold {@link #lockForReading}. */
  BlockDevice openMetadataReadOnly() throws IOException {
    Path m = existingMetadata();
    return RawBlockDevice.isBlockDevice(m)
        ? RawBlockDevice.openReadOnly(m)
        : FileBlockDevice.openReadOnly(m);
  }
}

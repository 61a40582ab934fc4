package org.thinpool.cli;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.thinpool.io.BlockDevice;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.io.RawBlockDevice;
import org.thinpool.pool.PoolStateException;
import org.thinpool.pool.ThinPool;
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

  /** The metadata file or device, read-only; callers hold {@link #lockForReading}. */
  BlockDevice openMetadataReadOnly() throws IOException {
    Path m = existingMetadata();
    return RawBlockDevice.isBlockDevice(m)
        ? RawBlockDevice.openReadOnly(m)
        : FileBlockDevice.openReadOnly(m);
  }
}

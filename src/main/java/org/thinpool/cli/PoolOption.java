package org.thinpool.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.thinpool.io.PoolStateException;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code --pool DIR}: defaults to $THINPOOL_POOL, else ./thinpool-data. */
final class PoolOption {
  @Option(
      names = "--pool",
      paramLabel = "DIR",
      scope = ScopeType.INHERIT,
      description = "Pool directory (files 'metadata' and 'data'). Default: $THINPOOL_POOL, "
          + "else ./thinpool-data.")
  Path dir;

  Path dir() {
    if (dir != null) {
      return dir;
    }
    String env = System.getenv("THINPOOL_POOL");
    return Path.of(env != null && !env.isEmpty() ? env : "thinpool-data");
  }

  Path metadata() {
    return dir().resolve("metadata");
  }

  Path data() {
    return dir().resolve("data");
  }

  Path existingMetadata() throws PoolStateException {
    Path m = metadata();
    if (!Files.isRegularFile(m)) {
      throw new PoolStateException("no pool at " + dir() + " (missing " + m + ")");
    }
    return m;
  }
}

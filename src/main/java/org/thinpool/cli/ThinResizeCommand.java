package org.thinpool.cli;

import java.util.concurrent.Callable;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code thinpool thin resize ID SIZE}. */
@Command(
    name = "resize",
    mixinStandardHelpOptions = true,
    description = "Set a thin device's virtual size; shrinking unmaps the blocks past the end.")
final class ThinResizeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "Thin id.")
  long id;

  @Parameters(index = "1", paramLabel = "SIZE", converter = SizeConverter.class,
      description = "New virtual size (k/M/G/T), a multiple of 512.")
  long sizeBytes;

  @Override
  public Integer call() throws Exception {
    try (ThinPool pool = Main.openPool(spec)) {
      pool.resize(id, sizeBytes);
    }
    return ExitCodes.OK;
  }
}

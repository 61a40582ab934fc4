package org.thinpool.cli;

import java.util.concurrent.Callable;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code thinpool thin create ID SIZE}. */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = "Create an empty thin device.")
final class ThinCreateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "Thin id (0..16777215).")
  long id;

  @Parameters(
      index = "1",
      paramLabel = "SIZE",
      converter = SizeConverter.class,
      description = "Virtual size (k/M/G/T), a multiple of 512, not 0.")
  long sizeBytes;

  @Override
  public Integer call() throws Exception {
    try (ThinPool pool = Main.openPool(spec)) {
      pool.createThin(id, sizeBytes);
    }
    return ExitCodes.OK;
  }
}

package org.thinpool.cli;

import java.util.concurrent.Callable;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code thinpool thin delete ID}. */
@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    description = "Delete a thin device; frees the blocks no other device shares.")
final class ThinDeleteCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "Thin id.")
  long id;

  @Option(
      names = "--deferred-delete",
      description =
          "If NBD clients use the device, delete it when the last one disconnects "
              + "(new connections are refused meanwhile) instead of refusing.")
  boolean deferred;

  @Override
  public Integer call() throws Exception {
    try (ThinPool pool = Main.openPool(spec)) {
      if (!Served.deferOrRefuseDeleteInUse(spec, pool, id, deferred)) {
        pool.delete(id);
      }
    }
    return ExitCodes.OK;
  }
}

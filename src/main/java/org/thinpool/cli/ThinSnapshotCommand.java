package org.thinpool.cli;

import java.util.concurrent.Callable;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code thinpool thin snapshot ID ORIGIN}. */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description = "Snapshot a thin device (or a snapshot); shares every block.")
final class ThinSnapshotCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "Id of the new snapshot.")
  long id;

  @Parameters(index = "1", paramLabel = "ORIGIN", description = "Id of the device to snapshot.")
  long origin;

  @Override
  public Integer call() throws Exception {
    try (ThinPool pool = Main.openPool(spec)) {
      pool.createSnapshot(id, origin);
    }
    return ExitCodes.OK;
  }
}

package org.thinpool.cli;

import java.util.concurrent.Callable;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code thinpool discard ID OFFSET LENGTH}: a discard as the pool's discard mode says. */
@Command(
    name = "discard",
    mixinStandardHelpOptions = true,
    description =
        "Discard a byte range of a thin device: whole blocks inside it are unmapped "
            + "(and punched out with passdown); partial blocks at the ends are left alone.")
final class DiscardCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "Thin id.")
  long id;

  @Parameters(
      index = "1",
      paramLabel = "OFFSET",
      converter = SizeConverter.class,
      description = "Byte offset (k/M/G/T).")
  long offsetBytes;

  @Parameters(
      index = "2",
      paramLabel = "LENGTH",
      converter = SizeConverter.class,
      description = "Length in bytes (k/M/G/T).")
  long lengthBytes;

  @Override
  public Integer call() throws Exception {
    try (ThinPool pool = Main.openPool(spec)) {
      pool.device(id).discard(offsetBytes, lengthBytes);
      pool.commit();
    }
    return ExitCodes.OK;
  }
}

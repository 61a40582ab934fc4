package org.thinpool.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.thinpool.pool.PoolStatus;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code thinpool grow --data-size SIZE [--metadata-size SIZE]}: grows the pool's devices. */
@Command(
    name = "grow",
    mixinStandardHelpOptions = true,
    description =
        "Grow the data file (and optionally the metadata file); never shrinks. A pool "
            + "whose metadata was full becomes writable again once the metadata grows.")
final class GrowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--data-size",
      paramLabel = "SIZE",
      converter = SizeConverter.class,
      description = "New size of the data file (k/M/G/T); whole blocks count.")
  Long dataSizeBytes;

  @Option(
      names = "--metadata-size",
      paramLabel = "SIZE",
      converter = SizeConverter.class,
      description = "New size of the metadata file (k/M/G/T).")
  Long metadataSizeBytes;

  @Option(names = "--json", description = "JSON output (docs/cli-json.md).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (dataSizeBytes == null && metadataSizeBytes == null) {
      throw new ParameterException(spec.commandLine(), "give --data-size, --metadata-size or both");
    }
    try (ThinPool pool = Main.openPool(spec)) {
      if (metadataSizeBytes != null) {
        pool.growMetadata(metadataSizeBytes);
      }
      if (dataSizeBytes != null) {
        pool.growData(dataSizeBytes);
      }
      PoolStatus s = pool.status();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.print(PoolStatusCommand.sizesJson(pool.directory(), s));
      } else {
        out.println(
            "pool "
                + pool.directory()
                + ": "
                + s.dataBlocksTotal()
                + " data blocks, "
                + s.metadataBlocksTotal()
                + " metadata blocks");
      }
      out.flush();
    }
    return ExitCodes.OK;
  }
}

package org.thinpool.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.thin.MetadataDumper;
import org.thinpool.thin.ThinLsField;
import org.thinpool.thin.ThinLsReport;
import org.thinpool.thin.ThinMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code thinpool thin ls}: per device mapped, exclusive and shared blocks, like thin_ls. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = "List thin devices with mapped, exclusive and shared blocks (like thin_ls).")
final class ThinLsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  private PoolOption pool() {
    return Main.pool(spec);
  }

  @Option(names = "--json", description = "JSON output.")
  boolean json;

  @Option(
      names = {"-o", "--format"},
      paramLabel = "FIELDS",
      description = "Comma-separated thin_ls fields (default: DEV,MAPPED_BLOCKS,"
          + "EXCLUSIVE_BLOCKS,SHARED_BLOCKS,MAPPED,EXCLUSIVE,SHARED,TRANSACTION,CREATE_TIME,"
          + "SNAP_TIME).")
  String fields;

  @Option(names = "--no-headers", description = "Omit the header line.")
  boolean noHeaders;


  @Override
  public Integer call() throws Exception {
    try (ThinMetadata md = ThinMetadata.open(
        FileBlockDevice.openReadOnly(pool().existingMetadata()), true,
        BlockManager.DEFAULT_CACHE_BLOCKS)) {
      ThinLsReport report =
          new ThinLsReport(md.dataBlockSizeSectors(), md.dataSpaceMap().nrBlocks());
      MetadataDumper.dump(md, report.countingPass());
      MetadataDumper.dump(md, report.classifyingPass());
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.print(report.json());
      } else {
        String list = fields != null ? fields
            : "DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS,MAPPED,EXCLUSIVE,SHARED,"
                + "TRANSACTION,CREATE_TIME,SNAP_TIME";
        out.print(report.text(ThinLsField.parseList(list), !noHeaders));
      }
      out.flush();
    }
    return ExitCodes.OK;
  }
}

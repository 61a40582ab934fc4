package org.thinpool.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.Callable;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.pool.ThinPool;
import org.thinpool.thin.MetadataDumper;
import org.thinpool.thin.check.ThinLsField;
import org.thinpool.thin.check.ThinLsReport;
import org.thinpool.thin.ThinMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code thinpool thin ls}: per device mapped, exclusive and shared blocks, like thin_ls, and the
 * virtual size from the pool's sizes file. Reads the committed metadata read-only under a
 * reader's lock, so it works on a bare metadata file; a pool another process has open for
 * writing is refused (its metadata changes under a reader).
 */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = "List thin devices with size, mapped, exclusive and shared blocks (like "
        + "thin_ls).")
final class ThinLsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  private PoolOption pool() {
    return Main.pool(spec);
  }

  @Option(names = "--json", description = "JSON output (keys id, size, mapped_blocks, "
      + "exclusive_blocks, shared_blocks, ...).")
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
    try (Closeable lock = pool().lockForReading();
        ThinMetadata md = ThinMetadata.open(
            pool().openMetadataReadOnly(), true, BlockManager.DEFAULT_CACHE_BLOCKS)) {
      ThinLsReport report =
          new ThinLsReport(md.dataBlockSizeSectors(), md.dataSpaceMap().nrBlocks());
      MetadataDumper.dump(md, report.countingPass());
      MetadataDumper.dump(md, report.classifyingPass(sizes(md)));
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

  /**
   * The devices' sizes as the pool sees them, when the directory holds a whole pool (its sizes
   * or data file, or a direct-mode pool.conf); for a bare metadata file they are unknown (null).
   */
  private Map<Long, Long> sizes(ThinMetadata md) throws IOException {
    var dir = pool().dir();
    boolean wholePool = Files.isRegularFile(dir.resolve("sizes"))
        || Files.isRegularFile(dir.resolve(ThinPool.DATA_FILE)) || ThinPool.isDirect(dir);
    return wholePool ? ThinPool.deviceSizes(dir, md) : Map.of();
  }
}

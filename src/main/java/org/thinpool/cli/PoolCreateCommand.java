package org.thinpool.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.thinpool.pool.DiscardMode;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.PoolStatus;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code thinpool create}: a new loop-mode pool (sparse DIR/metadata and DIR/data). */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = "Create a pool: sparse files DIR/metadata and DIR/data.")
final class PoolCreateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--data-size", required = true, paramLabel = "SIZE",
      converter = SizeConverter.class, description = "Size of the data file (k/M/G/T).")
  long dataSizeBytes;

  @Option(names = "--block-size", paramLabel = "SIZE", converter = SizeConverter.class,
      description = "Data block size, a multiple of 64k up to 1G. Default: 64k.")
  long blockSizeBytes = PoolOptions.DEFAULT_DATA_BLOCK_BYTES;

  @Option(names = "--metadata-size", paramLabel = "SIZE", converter = SizeConverter.class,
      description = "Size of the metadata file. Default: computed like thin_metadata_size.")
  long metadataSizeBytes;

  @Option(names = "--discard", paramLabel = "MODE",
      description = "passdown, nopassdown or ignore. Default: passdown.")
  String discard = "passdown";

  @Option(names = "--no-zeroing", description = "Do not zero new blocks around partial writes.")
  boolean noZeroing;

  @Override
  public Integer call() throws Exception {
    PoolOptions options = PoolOptions.ofDataSize(dataSizeBytes)
        .withDataBlockSize(blockSizeBytes)
        .withMetadataSize(metadataSizeBytes)
        .withDiscardMode(DiscardMode.parse(discard))
        .withZeroing(!noZeroing);
    try (ThinPool pool = ThinPool.create(Main.pool(spec).dir(), options)) {
      PoolStatus s = pool.status();
      PrintWriter out = spec.commandLine().getOut();
      out.println("created pool " + pool.directory() + ": " + s.dataBlocksTotal()
          + " data blocks of " + s.dataBlockSizeBytes() + " bytes, " + s.metadataBlocksTotal()
          + " metadata blocks");
      out.flush();
    }
    return ExitCodes.OK;
  }
}

package org.thinpool.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.thinpool.io.RawBlockDevice;
import org.thinpool.pool.DiscardMode;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.PoolStatus;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code thinpool create}: a new pool, in loop mode (sparse DIR/metadata and DIR/data) or, with
 * {@code --metadata-device} and {@code --data-device}, in direct mode on two block devices.
 */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = "Create a pool: sparse files DIR/metadata and DIR/data, or two block devices.")
final class PoolCreateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--data-size",
      paramLabel = "SIZE",
      converter = SizeConverter.class,
      description =
          "Size of the data file (k/M/G/T). Required in loop mode; in direct mode "
              + "the whole data device is used.")
  Long dataSizeBytes;

  @Option(
      names = "--block-size",
      paramLabel = "SIZE",
      converter = SizeConverter.class,
      description = "Data block size, a multiple of 64k up to 1G. Default: 64k.")
  long blockSizeBytes = PoolOptions.DEFAULT_DATA_BLOCK_BYTES;

  @Option(
      names = "--metadata-size",
      paramLabel = "SIZE",
      converter = SizeConverter.class,
      description =
          "Size of the metadata file (sparse). Default: thin_metadata_size's estimate,"
              + " doubled, plus a 4 KiB leaf per 4 data blocks for snapshots' copies.")
  long metadataSizeBytes;

  @Option(
      names = "--discard",
      paramLabel = "MODE",
      description = "passdown, nopassdown or ignore. Default: passdown.")
  String discard = "passdown";

  @Option(names = "--no-zeroing", description = "Do not zero new blocks around partial writes.")
  boolean noZeroing;

  @Option(
      names = "--queue-if-no-space",
      paramLabel = "SECONDS",
      description =
          "Writes on a full pool wait up to SECONDS for it to grow. Default: they "
              + "fail at once (error_if_no_space).")
  Long queueSeconds;

  @Option(
      names = "--low-water-mark",
      paramLabel = "BLOCKS",
      description = "Free data blocks at which the low-water-mark event fires. Default: 0.")
  long lowWaterMarkBlocks;

  @Option(
      names = "--min-free-space",
      paramLabel = "PERCENT",
      description =
          "Refuse new devices and snapshots below this percent of free data or "
              + "metadata space (Docker's dm.min_free_space). Default: 0 (off).")
  int minFreeSpacePercent;

  @Option(
      names = "--metadata-device",
      paramLabel = "DEV",
      description = "Direct mode: the block device for the metadata (with --data-device).")
  Path metadataDevice;

  @Option(
      names = "--data-device",
      paramLabel = "DEV",
      description = "Direct mode: the block device for the data (with --metadata-device).")
  Path dataDevice;

  @Option(names = "--json", description = "JSON output (docs/cli-json.md).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if ((metadataDevice == null) != (dataDevice == null)) {
      throw new ParameterException(
          spec.commandLine(), "direct mode needs both --metadata-device and --data-device");
    }
    boolean direct = dataDevice != null;
    if (!direct && dataSizeBytes == null) {
      throw new ParameterException(spec.commandLine(), "--data-size is required");
    }
    long dataSize = dataSizeBytes != null ? dataSizeBytes : RawBlockDevice.sizeBytesOf(dataDevice);
    PoolOptions options =
        PoolOptions.ofDataSize(dataSize)
            .withDataBlockSize(blockSizeBytes)
            .withMetadataSize(metadataSizeBytes)
            .withDiscardMode(DiscardMode.parse(discard))
            .withZeroing(!noZeroing)
            .withLowWaterMark(lowWaterMarkBlocks)
            .withMinFreeSpace(minFreeSpacePercent);
    if (queueSeconds != null) {
      options = options.withQueueIfNoSpace(Duration.ofSeconds(queueSeconds));
    }
    Path dir = Main.pool(spec).dir();
    try (ThinPool pool = create(dir, direct, options)) {
      PoolStatus s = pool.status();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.print(PoolStatusCommand.sizesJson(pool.directory(), s));
      } else {
        out.println(
            "created pool "
                + pool.directory()
                + ": "
                + s.dataBlocksTotal()
                + " data blocks of "
                + s.dataBlockSizeBytes()
                + " bytes, "
                + s.metadataBlocksTotal()
                + " metadata blocks");
      }
      out.flush();
    }
    return ExitCodes.OK;
  }

  private ThinPool create(Path dir, boolean direct, PoolOptions options) throws IOException {
    try {
      return direct
          ? ThinPool.createDirect(dir, metadataDevice, dataDevice, options)
          : ThinPool.create(dir, options);
    } catch (FileSystemException e) {
      throw new IOException("cannot create pool " + dir + ": " + ErrorReport.describe(e), e);
    }
  }
}

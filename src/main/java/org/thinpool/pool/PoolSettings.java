package org.thinpool.pool;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.thinpool.io.PoolStateException;

/**
 * The pool's settings that the metadata does not hold (the kernel takes them from the table line
 * and module parameters), in {@code DIR/pool.conf}: discard mode, zeroing, the space policy and,
 * in direct mode, the two block devices. A missing file or key means the defaults (passdown,
 * zeroing on, error_if_no_space, loop mode), so a pool made by other tools opens as LVM would
 * open it.
 *
 * @param metadataDevice the metadata block device in direct mode, null in loop mode
 * @param dataDevice the data block device in direct mode, null in loop mode
 */
record PoolSettings(
    DiscardMode discardMode,
    boolean zeroing,
    boolean errorIfNoSpace,
    long noSpaceTimeoutMillis,
    long lowWaterMarkBlocks,
    int minFreeSpacePercent,
    Path metadataDevice,
    Path dataDevice) {
  static final String FILE_NAME = "pool.conf";

  PoolSettings {
    if ((metadataDevice == null) != (dataDevice == null)) {
      throw new AssertionError("direct mode needs both devices");
    }
  }

  static PoolSettings of(PoolOptions o, Path metadataDevice, Path dataDevice) {
    return new PoolSettings(o.discardMode(), o.zeroing(), o.errorIfNoSpace(),
        o.noSpaceTimeoutMillis(), o.lowWaterMarkBlocks(), o.minFreeSpacePercent(),
        metadataDevice, dataDevice);
  }

  boolean direct() {
    return dataDevice != null;
  }

  /** Where the metadata lives: the block device in direct mode, else {@code DIR/metadata}. */
  Path metadataPath(Path dir) {
    return direct() ? metadataDevice : dir.resolve(ThinPool.METADATA_FILE);
  }

  Path dataPath(Path dir) {
    return direct() ? dataDevice : dir.resolve(ThinPool.DATA_FILE);
  }

  static PoolSettings load(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    Properties p = new Properties();
    if (Files.isRegularFile(file)) {
      p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
    }
    try {
      String meta = p.getProperty("metadata_device");
      String data = p.getProperty("data_device");
      if ((meta == null) != (data == null)) {
        throw new PoolStateException(file + " names only one of metadata_device, data_device");
      }
      return new PoolSettings(
          DiscardMode.parse(p.getProperty("discard", "passdown")),
          Boolean.parseBoolean(p.getProperty("zeroing", "true")),
          Boolean.parseBoolean(p.getProperty("error_if_no_space", "true")),
          Long.parseLong(p.getProperty("no_space_timeout_ms",
              Long.toString(PoolOptions.DEFAULT_NO_SPACE_TIMEOUT_MILLIS))),
          Long.parseLong(p.getProperty("low_water_mark_blocks", "0")),
          Integer.parseInt(p.getProperty("min_free_space_percent", "0")),
          meta == null ? null : Path.of(meta),
          data == null ? null : Path.of(data));
    } catch (IllegalArgumentException e) {
      throw new PoolStateException("pool settings " + file + " are damaged: " + e.getMessage());
    }
  }

  void store(Path dir) throws IOException {
    StringWriter w = new StringWriter();
    w.write("# thinpool pool settings\n");
    w.write("discard=" + discardMode.lvmName() + "\n");
    w.write("zeroing=" + zeroing + "\n");
    w.write("error_if_no_space=" + errorIfNoSpace + "\n");
    w.write("no_space_timeout_ms=" + noSpaceTimeoutMillis + "\n");
    w.write("low_water_mark_blocks=" + lowWaterMarkBlocks + "\n");
    w.write("min_free_space_percent=" + minFreeSpacePercent + "\n");
    if (direct()) {
      w.write("metadata_device=" + metadataDevice.toAbsolutePath() + "\n");
      w.write("data_device=" + dataDevice.toAbsolutePath() + "\n");
    }
    AtomicFiles.replace(dir.resolve(FILE_NAME), w.toString());
  }
}

package org.thinpool.pool;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool's settings that the metadata does not hold (the kernel takes them from the table line
 * and module parameters), in {@code DIR/pool.conf}: discard mode, zeroing, the space policy and, in
 * direct mode, the two block devices. A missing file means the defaults (passdown, zeroing on,
 * error_if_no_space, loop mode), so metadata made by other tools opens as LVM would open it; a file
 * that is there must be whole and valid (see {@link #load}): a typo never turns into a silent
 * default.
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
    return new PoolSettings(
        o.discardMode(),
        o.zeroing(),
        o.errorIfNoSpace(),
        o.noSpaceTimeoutMillis(),
        o.lowWaterMarkBlocks(),
        o.minFreeSpacePercent(),
        metadataDevice,
        dataDevice);
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

  /** The keys {@link #store} writes, all of them, in this order. */
  private static final List<String> KEYS =
      List.of(
          "discard",
          "zeroing",
          "error_if_no_space",
          "no_space_timeout_ms",
          "low_water_mark_blocks",
          "min_free_space_percent");

  private static final List<String> DEVICE_KEYS = List.of("metadata_device", "data_device");

  private static final String WHAT = "pool settings";

  /**
   * The settings in {@code DIR/pool.conf}; the defaults if there is no such file. A file that is
   * there is read strictly: every key once, no unknown key, every value valid, else an error naming
   * the file, the line and what is wrong.
   */
  static PoolSettings load(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      return defaults();
    }
    Map<String, String> values = new HashMap<>();
    Map<String, Integer> lineOf = new HashMap<>();
    List<String> lines = ConfigText.readLines(file, WHAT);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      String key = eq < 0 ? line : line.substring(0, eq).strip();
      if (eq < 0) {
        throw ConfigText.damaged(file, WHAT, i + 1, "'" + line + "' is not KEY=VALUE");
      }
      if (!KEYS.contains(key) && !DEVICE_KEYS.contains(key)) {
        throw ConfigText.damaged(file, WHAT, i + 1, "has the unknown key '" + key + "'");
      }
      if (values.put(key, line.substring(eq + 1).strip()) != null) {
        throw ConfigText.damaged(file, WHAT, i + 1, "sets '" + key + "' a second time");
      }
      lineOf.put(key, i + 1);
    }
    for (String key : KEYS) {
      if (!values.containsKey(key)) {
        throw new PoolStateException(
            WHAT + " " + file + " are damaged: '" + key + "' is missing (truncated?)");
      }
    }
    if (values.containsKey(DEVICE_KEYS.get(0)) != values.containsKey(DEVICE_KEYS.get(1))) {
      throw new PoolStateException(
          WHAT + " " + file + " name only one of metadata_device, data_device");
    }
    return parse(file, values, lineOf);
  }

  private static PoolSettings defaults() {
    return new PoolSettings(
        DiscardMode.PASSDOWN,
        true,
        true,
        PoolOptions.DEFAULT_NO_SPACE_TIMEOUT_MILLIS,
        0,
        0,
        null,
        null);
  }

  private static PoolSettings parse(Path file, Map<String, String> v, Map<String, Integer> at)
      throws PoolStateException {
    String key = "";
    try {
      key = "discard";
      DiscardMode discard = DiscardMode.parse(v.get(key));
      key = "zeroing";
      boolean zeroing = bool(v.get(key));
      key = "error_if_no_space";
      boolean errorIfNoSpace = bool(v.get(key));
      key = "no_space_timeout_ms";
      long timeout = number(v.get(key), 1, Long.MAX_VALUE);
      key = "low_water_mark_blocks";
      long lowWater = number(v.get(key), 0, Long.MAX_VALUE);
      key = "min_free_space_percent";
      int minFree = (int) number(v.get(key), 0, 99);
      key = "metadata_device";
      Path meta = device(v.get(key));
      key = "data_device";
      Path data = device(v.get(key));
      return new PoolSettings(
          discard, zeroing, errorIfNoSpace, timeout, lowWater, minFree, meta, data);
    } catch (IllegalArgumentException e) {
      throw ConfigText.damaged(file, WHAT, at.get(key), key + ": " + e.getMessage());
    }
  }

  private static boolean bool(String s) {
    return switch (s) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("'" + s + "' is not true or false");
    };
  }

  private static long number(String s, long min, long max) {
    long n;
    try {
      n = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' is not a whole number", e);
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(
          n + " is out of range " + min + ".." + (max == Long.MAX_VALUE ? "" : Long.toString(max)));
    }
    return n;
  }

  private static Path device(String s) {
    if (s == null) {
      return null;
    }
    if (!s.startsWith("/")) {
      throw new IllegalArgumentException("'" + s + "' is not an absolute path");
    }
    return Path.of(s);
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

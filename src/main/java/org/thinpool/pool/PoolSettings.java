package org.thinpool.pool;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The pool's settings that the metadata does not hold (the kernel takes them from the table
 * line): discard mode and zeroing, in {@code DIR/pool.conf}. A missing file means the defaults,
 * passdown and zeroing on, so a pool made by other tools opens as LVM would open it.
 */
record PoolSettings(DiscardMode discardMode, boolean zeroing) {
  static final String FILE_NAME = "pool.conf";

  static PoolSettings load(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return new PoolSettings(DiscardMode.PASSDOWN, true);
    }
    Properties p = new Properties();
    p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
    return new PoolSettings(
        DiscardMode.parse(p.getProperty("discard", "passdown")),
        Boolean.parseBoolean(p.getProperty("zeroing", "true")));
  }

  void store(Path dir) throws IOException {
    StringWriter w = new StringWriter();
    w.write("# thinpool pool settings\n");
    w.write("discard=" + discardMode.lvmName() + "\n");
    w.write("zeroing=" + zeroing + "\n");
    AtomicFiles.replace(dir.resolve(FILE_NAME), w.toString());
  }
}

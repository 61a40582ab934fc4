package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.CliRun;

/**
 * Issue 8 item 10: pool.conf and sizes are read strictly. An unknown key, a bad or out-of-range
 * value, a garbled or truncated file is refused with one line naming the file, the line and what is
 * wrong, and leaves every byte of the pool as it was; a missing sizes file is rebuilt from the
 * metadata with a warning.
 */
class StrictConfigTest {
  @TempDir Path tmp;
  private Path dir;
  private final byte[] data = bytes(3, 200_000);

  private CliRun run(String... args) {
    return CliRun.run(dir, args);
  }

  @BeforeEach
  void pool() throws IOException {
    dir = tmp.resolve("pool");
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      pool.createThin(1, 8 * MIB).write(MIB, data);
    }
  }

  private byte[] snapshot() throws IOException {
    return concat(
        Files.readAllBytes(dir.resolve("metadata")), Files.readAllBytes(dir.resolve("data")));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  /** The command is refused with one line naming the file and {@code what}; nothing changed. */
  private void refused(Path file, String what) throws IOException {
    byte[] before = snapshot();
    for (String[] cmd : new String[][] {{"status"}, {"thin", "create", "2", "1M"}}) {
      CliRun r = run(cmd);
      assertThat(r.exitCode()).as("%s with %s", String.join(" ", cmd), what).isEqualTo(1);
      assertThat(r.err())
          .as(what)
          .startsWith("thinpool: ")
          .contains(file.toString())
          .contains(what)
          .endsWith("\n");
      assertThat(r.err().lines()).hasSize(1);
    }
    assertThat(snapshot()).as("pool bytes after the refusal").isEqualTo(before);
    assertMetadataClean(dir);
  }

  private String conf() throws IOException {
    return Files.readString(dir.resolve("pool.conf"));
  }

  @Test
  void badValuesUnknownKeysAndGarbledOrTruncatedPoolConfAreRefusedByLine() throws IOException {
    Path file = dir.resolve("pool.conf");
    String good = conf();
    String[][] cases = {
      {good.replace("zeroing=true", "zeroing=maybe"), "line 3 zeroing: 'maybe' is not true"},
      {
        good.replace("min_free_space_percent=0", "min_free_space_percent=500"),
        "min_free_space_percent: 500 is out of range 0..99"
      },
      {good.replace("discard=passdown", "discard=sometimes"), "line 2 discard"},
      {good.replace("no_space_timeout_ms=60000", "no_space_timeout_ms=0"), "out of range"},
      {
        good.replace("low_water_mark_blocks=0", "low_water_mark_blocks=ten"),
        "'ten' is not a whole number"
      },
      {good + "colour=blue\n", "unknown key 'colour'"},
      {good + "zeroing=false\n", "sets 'zeroing' a second time"},
      {good + "just words\n", "is not KEY=VALUE"},
      {good.substring(0, good.length() - 5), "ends without a newline"},
      {good.substring(0, good.indexOf("no_space_timeout")), "'no_space_timeout_ms' is missing"},
      {good + "metadata_device=/dev/loop9\n", "only one of"}
    };
    for (String[] c : cases) {
      Files.writeString(file, c[0], StandardCharsets.UTF_8);
      refused(file, c[1]);
    }
    byte[] garbled = good.getBytes(StandardCharsets.UTF_8);
    garbled[good.indexOf("zeroing") + 2] = (byte) 0xff;
    Files.write(file, garbled);
    refused(file, "line 3 is not UTF-8 text");
    Files.writeString(file, good);
    assertThat(run("status").exitCode()).isZero();
  }

  @Test
  void aGarbledOrTruncatedSizesFileIsRefusedByLine() throws IOException {
    Path file = dir.resolve("sizes");
    String good = Files.readString(file);
    Files.writeString(file, good.replace("1 8388608", "1 83886O8"));
    refused(file, "is not a number");
    // Cut inside the last generation: the metadata's transaction has no whole record left.
    Files.writeString(file, good.substring(0, good.lastIndexOf("1 8388608") + 3));
    refused(file, "cut short");
    Files.writeString(file, good);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.device(1).sizeBytes()).isEqualTo(8 * MIB);
    }
  }

  @Test
  void aMissingSizesFileIsRebuiltFromTheMetadataWithAWarning() throws IOException {
    Files.delete(dir.resolve("sizes"));
    CliRun r = run("status");
    assertThat(r.exitCode()).isZero();
    assertThat(r.err())
        .contains("thinpool: warning: ")
        .contains(dir.resolve("sizes") + " was " + "missing")
        .contains("thin device(s) [1]")
        .contains("highest mapped block");
    assertThat(dir.resolve("sizes")).exists();
    long adopted = 2 * MIB; // data at 1 MiB .. 1 MiB + 200000: blocks 16..19, end of block 19
    assertThat(run("status").err()).as("rebuilt once, then recorded").isEmpty();
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.openWarnings()).isEmpty();
      ThinDevice dev = pool.device(1);
      assertThat(dev.sizeBytes())
          .isEqualTo((MIB + data.length + 65535) / 65536 * 65536)
          .isLessThanOrEqualTo(adopted);
      assertThat(read(dev, MIB, data.length)).isEqualTo(data);
    }
  }
}

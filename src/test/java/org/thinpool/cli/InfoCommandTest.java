package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.CliRun;
import org.thinpool.testing.JsonReader;

/** thinpool info: docker info's devicemapper fields and each device's exclusive/shared space. */
class InfoCommandTest {
  private static final int BLOCK = 64 * 1024;

  @TempDir Path tmp;

  private static CliRun ok(Path pool, String... args) {
    CliRun r = CliRun.run(pool, args);
    assertThat(r.exitCode()).as("%s: %s", List.of(args), r.err()).isZero();
    return r;
  }

  /** Device 1 with 3 blocks written, snapshot 2 of it that rewrote one of them. */
  private Path pool() throws IOException {
    Path pool = tmp.resolve("pool");
    ok(pool, "create", "--data-size", "16M", "--min-free-space", "10");
    ok(pool, "thin", "create", "1", "4M");
    Path img = tmp.resolve("in.img");
    byte[] data = new byte[3 * BLOCK];
    Arrays.fill(data, (byte) 7);
    Files.write(img, data);
    ok(pool, "import", "1", img.toString());
    ok(pool, "thin", "snapshot", "2", "1");
    Files.write(img, new byte[] {9});
    ok(pool, "import", "2", img.toString());
    return pool;
  }

  @Test
  void showsDockersDevicemapperFieldsInItsUnits() throws IOException {
    Path pool = pool();
    String out = ok(pool, "info").out();
    assertThat(out)
        .startsWith("Pool Name: " + pool + "\nPool Blocksize: 65.54kB\n")
        .contains("\nBase Device Size: -\nBacking Filesystem: -\n")
        .contains("\nData file: " + pool.resolve("data") + "\n")
        .contains("\nMetadata file: " + pool.resolve("metadata") + "\n")
        .contains("\nData Space Used: 262.1kB\nData Space Total: 16.78MB\n")
        .contains("\nThin Pool Minimum Free Space: 1.678MB\n")
        .contains("\nDeferred Removal Enabled: false\n")
        .contains("\nDeferred Deleted Device Count: 0\n")
        .endsWith(
            "Devices:\n"
                + "  DEVICE  SIZE     EXCLUSIVE  SHARED   KIND  SNAPSHOT\n"
                + "  1       4.194MB  65.54kB    131.1kB  -     -\n"
                + "  2       4.194MB  65.54kB    131.1kB  -     -\n");
  }

  @Test
  @SuppressWarnings("unchecked")
  void jsonHasEachDevicesExclusiveAndSharedBytes() throws IOException {
    Path pool = pool();
    Map<String, Object> doc =
        (Map<String, Object>) JsonReader.parse(ok(pool, "info", "--json").out());
    assertThat(doc)
        .containsEntry("block_size", (long) BLOCK)
        .containsEntry("data_space_used", 4L * BLOCK)
        .containsEntry("data_space_total", 256L * BLOCK)
        .containsEntry("min_free_space_percent", 10L)
        .containsEntry("base_device_size", null)
        .containsEntry("deferred_removal_enabled", false);
    List<Map<String, Object>> devices = (List<Map<String, Object>>) doc.get("devices");
    assertThat(devices)
        .extracting(d -> List.of(d.get("id"), d.get("exclusive"), d.get("shared")))
        .containsExactly(
            List.of(1L, (long) BLOCK, 2L * BLOCK), List.of(2L, (long) BLOCK, 2L * BLOCK));
  }

  @Test
  void humanSizeIsDockersFourSignificantDecimalDigits() {
    assertThat(HumanSize.of(0)).isEqualTo("0B");
    assertThat(HumanSize.of(512)).isEqualTo("512B");
    assertThat(HumanSize.of(65536)).isEqualTo("65.54kB");
    assertThat(HumanSize.of(10L << 30)).isEqualTo("10.74GB");
    assertThat(HumanSize.of(107374182400L)).isEqualTo("107.4GB");
    assertThat(HumanSize.of(999_960)).isEqualTo("1MB");
    assertThat(HumanSize.of(2_000_000)).isEqualTo("2MB");
  }
}

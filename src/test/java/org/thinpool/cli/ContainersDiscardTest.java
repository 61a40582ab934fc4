package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.thinpool.pool.DiscardMode;
import org.thinpool.testing.CliRun;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.FuseHost;
import org.thinpool.testing.JsonReader;
import org.thinpool.testing.OciImage;

/**
 * Issue 10 item 8e through a real container: 50 MiB written then deleted in a container's root file
 * system. With {@code passdown} the blocks return to the pool and the data file shrinks; with
 * {@code nopassdown} they return to the pool only; with {@code ignore} neither. One pool per mode,
 * made with {@code thinpool create --discard MODE} before {@code serve --containerd} takes it.
 *
 * <p>The path the discard takes: {@code rm} and {@code sync} in the container commit ext4's
 * journal; ext4, mounted with the {@code discard} option the snapshotter's mounts carry, issues
 * discards for the freed extents to the loop device containerd attached; the loop device turns them
 * into {@code fallocate(PUNCH_HOLE)} on the snapshot's device file; the snapshotter's FUSE file
 * system turns the punch into a pool discard of the whole blocks it covers, which the pool's
 * discard mode frees (and with passdown punches out of the data file) or, with ignore, refuses
 * (EOPNOTSUPP, and ext4 stops discarding on that mount).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainersDiscardTest {
  static final long MIB = 1 << 20;
  static final long WRITTEN_BYTES = 50 * MIB;

  /**
   * Run once it writes the file, run again it deletes it; both sync so ext4 commits its journal
   * (and, with the discard option, discards what it freed) before the container ends.
   */
  static final String WRITE_THEN_DELETE =
      "if [ -e /fifty ]; then rm /fifty; sync; echo deleted;"
          + " else grep ' / ' /proc/mounts; dd if=/dev/urandom of=/fifty bs=1M count=50"
          + " 2>/dev/null; sync; fi";

  private Path image;

  @BeforeAll
  void buildImage(@TempDir Path tmp) throws IOException {
    image = OciImage.build(tmp.resolve("image"));
  }

  @ParameterizedTest
  @EnumSource(DiscardMode.class)
  void deletingFiftyMegabytesInAContainerFreesAsTheDiscardModeSays(
      DiscardMode mode, @TempDir Path tmp) throws Exception {
    Path pool = tmp.resolve("pool");
    CliRun created = CliRun.run(pool, "create", "--data-size", "2G", "--discard", mode.lvmName());
    assertThat(created.exitCode()).as(created.err()).isZero();
    try (ServedContainerd served = ServedContainerd.start(tmp, image)) {
      assertThat(status(pool)).containsEntry("discard", mode.lvmName());
      Path data = Path.of((String) served.info().get("data_file"));
      long blockBytes = (Long) served.info().get("block_size");
      long writtenBlocks = WRITTEN_BYTES / blockBytes;

      long usedBefore = served.usedBlocks();
      String rootMount = served.run("e", WRITE_THEN_DELETE);
      assertThat(rootMount).as("the container's root mount").contains("ext4").contains("discard");
      long usedFull = served.usedBlocks();
      long fileFull = FuseHost.allocatedBytes(data);
      assertThat(usedFull - usedBefore)
          .as("blocks the 50 MiB took")
          .isBetween(writtenBlocks, writtenBlocks + writtenBlocks / 10);

      served.containerd().ctr("task", "rm", "e"); // ctr run deleted the task if it could
      assertThat(served.containerd().ctrOk("task", "start", "e")).isEqualTo("deleted\n");
      long freedBlocks = usedFull - served.usedBlocks();
      long shrunkBytes = fileFull - FuseHost.allocatedBytes(data);
      System.out.printf(
          Locale.ROOT,
          "item 8e %s: %d blocks written, %d freed, data file shrank by %d KiB%n",
          mode.lvmName(),
          usedFull - usedBefore,
          freedBlocks,
          shrunkBytes >> 10);
      switch (mode) {
        case PASSDOWN -> {
          assertThat(freedBlocks).isGreaterThanOrEqualTo(writtenBlocks * 9 / 10);
          assertThat(shrunkBytes).isGreaterThanOrEqualTo(WRITTEN_BYTES * 9 / 10);
        }
        case NOPASSDOWN -> {
          assertThat(freedBlocks).isGreaterThanOrEqualTo(writtenBlocks * 9 / 10);
          assertThat(shrunkBytes).isLessThan(MIB);
        }
        case IGNORE -> {
          assertThat(freedBlocks).isLessThanOrEqualTo(0); // ext4 may write metadata meanwhile
          assertThat(shrunkBytes).isLessThan(MIB);
        }
      }
    }
    assertThat(ExternalTool.run("thin_check", pool.resolve("metadata").toString()).exitCode())
        .isZero();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(Path pool) {
    CliRun r = CliRun.run(pool, "status", "--json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    return (Map<String, Object>) JsonReader.parse(r.out());
  }
}

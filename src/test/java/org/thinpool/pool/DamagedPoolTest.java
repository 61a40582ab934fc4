package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.thinpool.pool.PoolAssertions.KIB;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.filled;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.DeviceIoException;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.testing.CliRun;
import org.thinpool.thin.ThinMetadata;

/**
 * Pools whose metadata is wrong in ways a checksum cannot see, or that lost part of a file (issue
 * 8, items 7, 8 and 9): each is an error naming what is wrong, never zeros or a write into the
 * damage; {@code check} names the root cause first and clears needs_check only when clean.
 */
class DamagedPoolTest {
  private static final int BLOCK = (int) (64 * KIB);

  /** 16 data blocks. */
  private static final long DATA_BYTES = MIB;

  @TempDir Path tmp;

  private static CliRun cli(Path pool, String... args) {
    return CliRun.run(pool, args);
  }

  /** A pool with device 1 (1 MiB) whose blocks 0..3 hold 1..4, closed. */
  private Path smallPool() throws IOException {
    Path dir = tmp.resolve("pool");
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(DATA_BYTES))) {
      ThinDevice dev = pool.createThin(1, MIB);
      for (int b = 0; b < 4; b++) {
        dev.write((long) b * BLOCK, filled(BLOCK, b + 1));
      }
    }
    return dir;
  }

  /** Device 1's virtual block 2 points at data block 100, past the 16 the pool has. */
  private static void mapPastTheEnd(Path dir) throws IOException {
    Path meta = dir.resolve(ThinPool.METADATA_FILE);
    MetadataImages.remap(meta, MetadataImages.mappingLeaves(meta, 1).getFirst(), 2, 100);
  }

  // ---- item 7 ----

  @Test
  void aMappingPastTheDataDeviceFailsTheReadNamingDeviceAndBlockAndSetsNeedsCheck()
      throws IOException {
    Path dir = smallPool();
    mapPastTheEnd(dir);
    Path data = dir.resolve(ThinPool.DATA_FILE);
    try (ThinPool pool = ThinPool.open(dir)) {
      ThinDevice dev = pool.device(1);
      assertThat(read(dev, BLOCK, BLOCK)).isEqualTo(filled(BLOCK, 2));
      assertThatThrownBy(() -> read(dev, 2L * BLOCK, 512))
          .isInstanceOf(DeviceIoException.class)
          .hasMessageContaining("data block 100")
          .hasMessageContaining(data.toString());
      PoolStatus status = pool.status();
      assertThat(status.needsCheck()).isTrue();
      assertThat(status.mode()).isEqualTo(PoolMode.READ_ONLY);
      assertThat(read(dev, 0, BLOCK)).as("other blocks still read").isEqualTo(filled(BLOCK, 1));
    }
    assertOpensReadOnlyForNeedsCheck(dir);
    CliRun check = cli(dir, "check");
    assertThat(check.exitCode()).isEqualTo(1);
    assertThat(check.err().lines().findFirst().orElseThrow())
        .contains("thin device 1 maps block 2 to data block 100 beyond the data device");
  }

  @Test
  void exportOfAMappingPastTheDataDeviceFailsInsteadOfWritingZeros() throws IOException {
    Path dir = smallPool();
    mapPastTheEnd(dir);
    CliRun export = cli(dir, "export", "1", tmp.resolve("out.img").toString());
    assertThat(export.exitCode()).isNotZero();
    assertThat(export.err()).contains("data block 100").contains(dir.toString());
    try (FileBlockDevice dev = FileBlockDevice.openReadOnly(dir.resolve("metadata"));
        ThinMetadata md = ThinMetadata.open(dev, true, 64)) {
      assertThat(md.superblock().needsCheck()).isTrue();
    }
  }

  @Test
  void aWriteNeverGrowsTheDataFilePastItsSize() throws IOException {
    Path dir = smallPool();
    mapPastTheEnd(dir);
    Path data = dir.resolve(ThinPool.DATA_FILE);
    long before = Files.size(data);
    try (ThinPool pool = ThinPool.open(dir)) {
      ThinDevice dev = pool.device(1);
      assertThatThrownBy(() -> dev.write(2L * BLOCK, filled(512, 9)))
          .isInstanceOf(DeviceIoException.class)
          .hasMessageContaining("data block 100");
      assertThat(pool.status().needsCheck()).isTrue();
      assertThatThrownBy(() -> dev.write(5L * BLOCK, filled(512, 9)))
          .isInstanceOf(PoolStateException.class)
          .hasMessageContaining("read-only")
          .matches(e -> ((PoolStateException) e).isReadOnly(), "a read-only refusal");
    }
    assertThat(Files.size(data)).isEqualTo(before);
  }

  @Test
  void aShrunkDataFileIsRefusedAtOpenAndExportFails() throws IOException {
    Path dir = smallPool();
    Path data = dir.resolve(ThinPool.DATA_FILE);
    try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
      ch.truncate(2L * BLOCK); // blocks 2 and 3 of device 1 are gone
    }
    assertThatThrownBy(() -> ThinPool.open(dir).close())
        .isInstanceOf(PoolStateException.class)
        .hasMessageContaining(data.toString())
        .hasMessageContaining("holds 2 blocks");
    CliRun export = cli(dir, "export", "1", tmp.resolve("out.img").toString());
    assertThat(export.exitCode()).isNotZero();
    assertThat(Files.exists(tmp.resolve("out.img"))).as("no partial export").isFalse();
  }

  // ---- item 8 ----

  @Test
  void clearNeedsCheckFlagClearsOnlyWhenTheCheckPasses() throws IOException {
    Path dir = smallPool();
    try (FileBlockDevice dev = FileBlockDevice.open(dir.resolve("metadata"));
        ThinMetadata md = ThinMetadata.open(dev, false, 64)) {
      md.setNeedsCheck();
    }
    assertOpensReadOnlyForNeedsCheck(dir);
    CliRun clean = cli(dir, "check", "--clear-needs-check-flag");
    assertThat(clean.exitCode()).as(clean.err()).isZero();
    assertThat(clean.out()).contains("needs_check flag cleared");
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.status().mode()).isEqualTo(PoolMode.READ_WRITE);
      assertThat(read(pool.device(1), 3L * BLOCK, BLOCK)).isEqualTo(filled(BLOCK, 4));
    }

    mapPastTheEnd(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThatThrownBy(() -> read(pool.device(1), 2L * BLOCK, 512))
          .isInstanceOf(DeviceIoException.class);
    }
    CliRun bad = cli(dir, "check", "--clear-needs-check-flag");
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.out()).contains("needs_check flag left as it was");
    assertOpensReadOnlyForNeedsCheck(dir);
  }

  private static void assertOpensReadOnlyForNeedsCheck(Path dir) throws IOException {
    try (ThinPool pool = ThinPool.open(dir)) {
      PoolStatus s = pool.status();
      assertThat(s.needsCheck()).isTrue();
      assertThat(s.mode()).isEqualTo(PoolMode.READ_ONLY);
      assertThat(s.readOnlyReason()).contains("needs_check");
    }
  }

  @Test
  void oneFlippedByteIsReportedAsItsRootCauseAndACountOfWhatFollows() throws IOException {
    Path dir = tmp.resolve("big");
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(64 * MIB))) {
      ThinDevice dev = pool.createThin(1, 64 * MIB);
      for (int b = 0; b < 1000; b++) {
        dev.write((long) b * BLOCK, filled(512, b));
      }
    }
    Path meta = dir.resolve(ThinPool.METADATA_FILE);
    List<Long> leaves = MetadataImages.mappingLeaves(meta, 1);
    assertThat(leaves).as("a tree of several leaves").hasSizeGreaterThan(2);
    long leaf = leaves.get(1);
    MetadataImages.flipByte(meta, leaf, 100);

    CliRun check = cli(dir, "check");
    assertThat(check.exitCode()).isEqualTo(1);
    List<String> lines = check.err().lines().toList();
    assertThat(lines.getFirst()).contains("block " + leaf).contains("checksum");
    assertThat(lines).as("root cause plus one count line: %s", check.err()).hasSizeLessThan(4);
    assertThat(lines.getLast())
        .matches(
            "\\d+ reference count difference\\(s\\) follow from the"
                + " above \\(--verbose lists them\\)");

    CliRun verbose = cli(dir, "check", "--verbose");
    assertThat(verbose.err().lines().count()).isGreaterThan(100);
  }

  // ---- item 9 ----

  @Test
  void truncatedMetadataIsRefusedAtOpenAndReportedByCheck() throws IOException {
    Path dir = smallPool();
    Path meta = dir.resolve(ThinPool.METADATA_FILE);
    long keep = 64 * KIB;
    try (FileChannel ch = FileChannel.open(meta, StandardOpenOption.WRITE)) {
      ch.truncate(keep);
    }
    byte[] before = Files.readAllBytes(meta);
    assertThatThrownBy(() -> ThinPool.open(dir).close())
        .isInstanceOf(PoolStateException.class)
        .hasMessageContaining(meta.toString())
        .hasMessageContaining("holds 16 blocks")
        .hasMessageContaining("truncated");
    assertThat(Files.readAllBytes(meta)).as("nothing written").isEqualTo(before);
    assertThat(cli(dir, "thin", "create", "2", "1M").exitCode()).isNotZero();
    assertThat(Files.readAllBytes(meta)).as("nothing written").isEqualTo(before);

    CliRun check = cli(dir, "check");
    assertThat(check.exitCode()).isEqualTo(1);
    assertThat(check.err().lines().findFirst().orElseThrow())
        .contains("metadata device holds 16 blocks")
        .contains("truncated");
  }
}

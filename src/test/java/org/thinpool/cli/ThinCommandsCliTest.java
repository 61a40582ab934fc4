package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.testing.ExternalTool;
import org.thinpool.thin.ThinMetadata;

/** thin create, resize and ls as a user runs them: explicit shrinking, sizes in the listing. */
class ThinCommandsCliTest {
  private static final int BLOCK = 64 * 1024;

  @TempDir Path tmp;

  private CliTest.Run ok(Path pool, String... args) throws IOException {
    CliTest.Run r = run(pool, args);
    assertThat(r.exit()).as("%s: %s", List.of(args), r.err()).isZero();
    ExternalTool.Result check = ExternalTool.run("thin_check", pool.resolve("metadata").toString());
    assertThat(check.exitCode()).as(check.all()).isZero();
    return r;
  }

  private static CliTest.Run run(Path pool, String... args) {
    String[] full = new String[args.length + 2];
    full[0] = "--pool";
    full[1] = pool.toString();
    System.arraycopy(args, 0, full, 2, args.length);
    return CliTest.run(full);
  }

  /** A pool with device 1 of 4 MiB whose first {@code blocks} blocks hold 7s. */
  private Path poolWithData(int blocks) throws IOException {
    Path pool = tmp.resolve("pool");
    ok(pool, "create", "--data-size", "16M");
    ok(pool, "thin", "create", "1", "4M");
    byte[] data = new byte[blocks * BLOCK];
    Arrays.fill(data, (byte) 7);
    Path img = tmp.resolve("in.img");
    Files.write(img, data);
    ok(pool, "import", "1", img.toString());
    return pool;
  }

  private static String usedBlocks(Path pool) {
    String s = run(pool, "status").out();
    return s.lines().filter(l -> l.startsWith("data ")).findFirst().orElseThrow();
  }

  @Test
  void createOfSizeZeroIsRefused() throws IOException {
    Path pool = tmp.resolve("pool");
    ok(pool, "create", "--data-size", "16M");
    CliTest.Run r = run(pool, "thin", "create", "1", "0");
    assertThat(r.exit()).isEqualTo(ExitCodes.ERROR);
    assertThat(r.err()).contains("size 0 is not allowed");
    assertThat(ok(pool, "thin", "ls", "--no-headers").out()).isEmpty();
  }

  @Test
  void shrinkBelowMappedDataNeedsForceAndSaysWhatItFrees() throws IOException {
    Path pool = poolWithData(3);
    byte[] before = Files.readAllBytes(pool.resolve("metadata"));

    CliTest.Run refused = run(pool, "thin", "resize", "1", "64k");
    assertThat(refused.exit()).isEqualTo(ExitCodes.ERROR);
    assertThat(refused.err()).contains("would unmap 2 mapped blocks").contains("--force");
    assertThat(Files.readAllBytes(pool.resolve("metadata"))).isEqualTo(before);
    assertThat(usedBlocks(pool)).isEqualTo("data 3/256");

    CliTest.Run forced = ok(pool, "thin", "resize", "1", "64k", "--force");
    assertThat(forced.out())
        .isEqualTo("thin device 1: unmapped 2 mapped blocks; 2 data blocks freed\n");
    assertThat(usedBlocks(pool)).isEqualTo("data 1/256");
  }

  @Test
  void shrinkThatCutsAMappedBlockNeedsForce() throws IOException {
    Path pool = poolWithData(1);
    CliTest.Run refused = run(pool, "thin", "resize", "1", "32k");
    assertThat(refused.exit()).isEqualTo(ExitCodes.ERROR);
    assertThat(refused.err()).contains("would unmap 0 mapped blocks and zero the tail");
  }

  @Test
  void shrinkAboveTheHighestMappedBlockNeedsNoForce() throws IOException {
    Path pool = poolWithData(2);
    CliTest.Run r = ok(pool, "thin", "resize", "1", "128k");
    assertThat(r.out()).isEmpty();
    assertThat(ok(pool, "thin", "ls", "-o", "DEV,SIZE_BYTES", "--no-headers").out())
        .isEqualTo("1 131072 \n");
  }

  @Test
  void shrinkingASnapshotsOriginUnmapsButFreesNothingShared() throws IOException {
    Path pool = poolWithData(2);
    ok(pool, "thin", "snapshot", "2", "1");
    CliTest.Run forced = ok(pool, "thin", "resize", "1", "64k", "--force");
    assertThat(forced.out())
        .isEqualTo("thin device 1: unmapped 1 mapped block; 0 data blocks freed\n");
  }

  @Test
  void lsShowsTheVirtualSizeByDefault() throws IOException {
    Path pool = poolWithData(2);
    ok(pool, "thin", "create", "5", "10G");
    String out = ok(pool, "thin", "ls").out();
    assertThat(out.lines().toList())
        .containsExactly(
            "DEV    SIZE MAPPED_BLOCKS EXCLUSIVE_BLOCKS SHARED_BLOCKS MAPPED EXCLUSIVE SHARED "
                + "TRANSACTION CREATE_TIME SNAP_TIME ",
            "  1 4096KiB             2                2             0 128KiB    128KiB      0 "
                + "          0           0         0 ",
            "  5   10GiB             0                0             0      0         0      0 "
                + "          1           0         0 ");
    assertThat(ok(pool, "thin", "ls", "-o", "DEV,SIZE,SIZE_SECTORS,SIZE_BYTES").out())
        .isEqualTo(
            "DEV    SIZE SIZE_SECTORS  SIZE_BYTES \n"
                + "  1 4096KiB         8192     4194304 \n"
                + "  5   10GiB     20971520 10737418240 \n");
  }

  @Test
  void lsOfABareMetadataFileHasUnknownSizes() throws IOException {
    Path pool = poolWithData(1);
    Path bare = tmp.resolve("bare");
    Files.createDirectories(bare);
    Files.copy(pool.resolve("metadata"), bare.resolve("metadata"));
    assertThat(ok(bare, "thin", "ls", "-o", "DEV,SIZE,MAPPED_BLOCKS").out())
        .isEqualTo("DEV SIZE MAPPED_BLOCKS \n  1    -             1 \n");
  }

  @Test
  void lsOfTheMetadataSnapshotLikeThinLsDashM() throws IOException {
    Path pool = poolWithData(1);
    try (ThinMetadata md =
        ThinMetadata.open(
            FileBlockDevice.open(pool.resolve("metadata")),
            false,
            BlockManager.DEFAULT_CACHE_BLOCKS)) {
      md.reserveMetadataSnap();
      md.commit();
    }
    ok(pool, "thin", "create", "2", "1M");
    String fields = "DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS";
    String ours = ok(pool, "thin", "ls", "-m", "-o", fields).out();
    assertThat(ours)
        .isEqualTo(
            "DEV MAPPED_BLOCKS EXCLUSIVE_BLOCKS SHARED_BLOCKS \n"
                + "  1             1                1             0 \n");
    ExternalTool.Result real =
        ExternalTool.run("thin_ls", "-m", "-o", fields, pool.resolve("metadata").toString());
    assertThat(real.stdout()).isEqualTo(ours);
  }
}

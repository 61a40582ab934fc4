package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.KIB;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.allocatedBytes;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.CliRun;

/**
 * import, export, discard, grow and thin ls --json end to end, in process; the real thin_check runs
 * on the metadata after every command.
 */
class PoolCommandsCliTest {
  private static final int BLOCK = (int) (64 * KIB);

  @TempDir Path tmp;

  private CliRun run(Path pool, String... args) throws IOException {
    CliRun r = CliRun.run(pool, args);
    if (r.exitCode() == 0
        && Files.isRegularFile(pool.resolve("metadata"))
        && !List.of(args).contains("--help")) {
      assertMetadataClean(pool);
    }
    return r;
  }

  private CliRun ok(Path pool, String... args) throws IOException {
    CliRun r = run(pool, args);
    assertThat(r.exitCode()).as("%s: %s", List.of(args), r.err()).isZero();
    return r;
  }

  /** An image of 40 blocks: data in blocks 0, 1 (half), 7 and 39; all zeros elsewhere. */
  private Path image(byte[][] parts) throws IOException {
    Path img = tmp.resolve("in.img");
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.setLength(40L * BLOCK);
      long[] at = {0, BLOCK, 7L * BLOCK, 39L * BLOCK};
      for (int i = 0; i < parts.length; i++) {
        f.seek(at[i]);
        f.write(parts[i]);
      }
    }
    return img;
  }

  @Test
  void importAllocatesOnlyNonZeroBlocksAndExportIsSparseAndIdentical() throws IOException {
    Path pool = tmp.resolve("pool");
    ok(pool, "create", "--data-size", "16M");
    ok(pool, "thin", "create", "1", "4M");
    byte[][] parts = {bytes(1, BLOCK), bytes(2, BLOCK / 2), bytes(3, 100), bytes(4, BLOCK)};
    Path img = image(parts);
    ok(pool, "import", "1", img.toString());
    assertThat(ok(pool, "status", "--json").out()).contains("\"data_blocks_used\": 4");

    Path out = tmp.resolve("out.img");
    ok(pool, "export", "1", out.toString());
    assertThat(Files.size(out)).isEqualTo(4 * MIB);
    byte[] exported = Files.readAllBytes(out);
    byte[] expected = new byte[(int) (4 * MIB)];
    byte[] in = Files.readAllBytes(img);
    System.arraycopy(in, 0, expected, 0, in.length);
    assertThat(exported).isEqualTo(expected);
    assertThat(allocatedBytes(out)).isLessThanOrEqualTo(4L * BLOCK + 64 * KIB);

    // Importing again at an unaligned offset: zero pieces over mapped blocks become zeros.
    ok(pool, "import", "1", img.toString(), "--offset", "1000");
    try (ThinPool p = ThinPool.open(pool)) {
      assertThat(read(p.device(1), 1000, in.length)).isEqualTo(in);
      // Bytes before the offset keep the first import's contents.
      assertThat(read(p.device(1), 0, 1000)).isEqualTo(java.util.Arrays.copyOf(in, 1000));
    }
  }

  @Test
  void discardUnmapsWholeBlocksAndGrowAddsDataBlocks() throws IOException {
    Path pool = tmp.resolve("pool");
    ok(pool, "create", "--data-size", "1M", "--discard", "nopassdown");
    ok(pool, "thin", "create", "1", "1M");
    Path img = image(new byte[][] {bytes(1, BLOCK), bytes(2, BLOCK), bytes(3, 1)});
    Files.write(img, java.util.Arrays.copyOf(Files.readAllBytes(img), (int) MIB)); // fits 1M
    ok(pool, "import", "1", img.toString());
    assertThat(ok(pool, "status", "--json").out()).contains("\"data_blocks_used\": 3");
    ok(pool, "discard", "1", "0", "96k"); // block 0 whole, block 1 half: only block 0 goes
    assertThat(ok(pool, "status", "--json").out()).contains("\"data_blocks_used\": 2");
    ok(pool, "grow", "--data-size", "2M");
    assertThat(ok(pool, "status", "--json").out()).contains("\"data_blocks_total\": 32");
    CliRun shrink = run(pool, "grow", "--data-size", "1M");
    assertThat(shrink.exitCode()).isNotZero();
    assertThat(shrink.err().strip()).doesNotContain("\n").contains("cannot shrink");
    ok(pool, "grow", "--metadata-size", "8M");
    assertThat(Files.size(pool.resolve("metadata"))).isEqualTo(8 * MIB);
  }

  @Test
  void thinLsJsonHasSizesAndWorksOnBareMetadataAndRefusesAnOpenPool() throws IOException {
    Path pool = tmp.resolve("pool");
    ok(pool, "create", "--data-size", "8M");
    ok(pool, "thin", "create", "1", "3M");
    ok(pool, "thin", "snapshot", "2", "1");
    ok(pool, "thin", "resize", "2", "5M");
    String ls = ok(pool, "thin", "ls", "--json").out();
    assertThat(ls)
        .contains("{\"id\": 1, \"size\": 3145728, \"mapped_blocks\": 0")
        .contains("{\"id\": 2, \"size\": 5242880,")
        .contains("\"exclusive_blocks\"")
        .contains("\"shared_blocks\"");
    try (ThinPool open = ThinPool.open(pool)) {
      open.device(1).write(0, bytes(5, 1000));
      open.commit();
      // Issue 8 item 3: a writer's metadata changes under a reader; refused, never torn.
      CliRun r = run(pool, "thin", "ls", "--json");
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.err()).contains("is in use by process " + ProcessHandle.current().pid());
    }
    assertThat(ok(pool, "thin", "ls", "--json").out()).contains("\"mapped_blocks\": 1");
    Path bare = tmp.resolve("bare");
    Files.createDirectories(bare);
    Files.copy(pool.resolve("metadata"), bare.resolve("metadata"));
    assertThat(ok(bare, "thin", "ls", "--json").out()).contains("{\"id\": 1, \"size\": null");
  }

  @Test
  void everyNewCommandHasHelpAndOneLineErrors() throws IOException {
    Path pool = tmp.resolve("pool");
    for (String[] help :
        new String[][] {
          {"import", "--help"},
          {"export", "--help"},
          {"discard", "--help"},
          {"grow", "--help"},
          {"thin", "ls", "--help"}
        }) {
      CliRun r = run(pool, help);
      assertThat(r.exitCode()).isZero();
      assertThat(r.out()).contains("Usage:");
    }
    ok(pool, "create", "--data-size", "1M");
    ok(pool, "thin", "create", "1", "64k");
    Path img = tmp.resolve("big.img");
    Files.write(img, bytes(9, (int) (128 * KIB)));
    List<String[]> bad =
        List.of(
            new String[] {"import", "1", img.toString()},
            new String[] {"import", "2", img.toString()},
            new String[] {"import", "1", tmp.resolve("missing.img").toString()},
            new String[] {"export", "7", tmp.resolve("x.img").toString()},
            new String[] {"discard", "1", "0", "1M"},
            new String[] {"grow"},
            new String[] {"create", "--metadata-device", "/dev/null"});
    for (String[] args : bad) {
      CliRun r = run(pool, args);
      assertThat(r.exitCode()).as(String.join(" ", args)).isNotZero();
      assertThat(r.err().strip())
          .as(String.join(" ", args))
          .startsWith("thinpool")
          .doesNotContain("\n");
    }
    assertMetadataClean(pool);
  }
}

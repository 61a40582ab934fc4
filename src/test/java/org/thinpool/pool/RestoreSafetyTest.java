package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.KIB;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.cli.Main;
import org.thinpool.testing.CliRun;

/**
 * Issue 8 item 4: restore cannot destroy a live or good pool. Refused while another process has the
 * pool open; over metadata that passes check only with --force; a malformed dump or a killed
 * restore leaves the old pool byte for byte; the restored devices are sized by what they map, so
 * export returns every mapped byte and no size of the old pool survives.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RestoreSafetyTest {
  private static final long BLOCK = 64 * KIB;

  @TempDir Path tmp;
  private Path dir;
  private final byte[] data = bytes(21, 100_000);

  private CliRun run(String... args) {
    return CliRun.run(dir, args);
  }

  /** Device 1 (2 MiB, data at 64 KiB) and device 2 (8 MiB, empty): 256 data blocks. */
  @BeforeEach
  void pool() throws IOException {
    dir = tmp.resolve("pool");
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      pool.createThin(1, 2 * MIB).write(BLOCK, data);
      pool.createThin(2, 8 * MIB);
    }
  }

  private byte[] poolBytes() throws IOException {
    byte[] m = Files.readAllBytes(dir.resolve("metadata"));
    byte[] d = Files.readAllBytes(dir.resolve("data"));
    byte[] s = Files.readAllBytes(dir.resolve("sizes"));
    byte[] all = Arrays.copyOf(m, m.length + d.length + s.length);
    System.arraycopy(d, 0, all, m.length, d.length);
    System.arraycopy(s, 0, all, m.length + d.length, s.length);
    return all;
  }

  private void assertOldPoolIntact(byte[] before) throws IOException {
    assertThat(poolBytes()).as("every byte of the old pool").isEqualTo(before);
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.deviceIds()).containsExactly(1L, 2L);
      assertThat(pool.device(2).sizeBytes()).isEqualTo(8 * MIB);
      assertThat(read(pool.device(1), BLOCK, data.length)).isEqualTo(data);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("metadata", "data", "sizes", "pool.conf", "lock");
    }
  }

  /** The pool's own dump, with device 1 also mapping virtual block 40 to data block 200. */
  private Path dumpWithAFarMapping() throws IOException {
    Path xml = tmp.resolve("pool.xml");
    CliRun r = run("dump", "-o", xml.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    String s = Files.readString(xml);
    int dev2 = s.indexOf("  <device dev_id=\"2\"");
    String far = "    <single_mapping origin_block=\"40\" data_block=\"200\" time=\"0\"/>\n";
    s =
        s.substring(0, dev2).replaceFirst("(?s)(.*)  </device>\n$", "$1" + far + "  </device>\n")
            + s.substring(dev2);
    s = s.replaceAll("(?s)  <device dev_id=\"2\".*?</device>\n", "");
    Files.writeString(xml, s);
    return xml;
  }

  @Test
  void restoreIsRefusedWhileAnotherProcessHasThePoolOpen() throws Exception {
    Path xml = dumpWithAFarMapping();
    byte[] before = poolBytes();
    try (Holder a = Holder.start(tmp, "hold", dir, 0)) {
      CliRun r = run("restore", "--force", xml.toString());
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.err())
          .isEqualTo("thinpool: pool " + dir + " is in use by process " + a.pid() + "\n");
    }
    assertOldPoolIntact(before);
  }

  @Test
  void restoreOverGoodMetadataNeedsForceAndThenSizesFollowTheRestoredDevices() throws IOException {
    Path xml = dumpWithAFarMapping();
    byte[] before = poolBytes();
    CliRun r = run("restore", xml.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("passes check").contains("--force");
    assertOldPoolIntact(before);

    byte[] far = bytes(22, (int) BLOCK);
    try (FileChannel ch = FileChannel.open(dir.resolve("data"), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(far), 200 * BLOCK);
    }
    r = run("restore", "--force", xml.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.openWarnings()).isEmpty();
      assertThat(pool.deviceIds()).containsExactly(1L);
      ThinDevice dev = pool.device(1);
      assertThat(dev.sizeBytes())
          .as("the end of the highest mapped block, not the old 2 MiB")
          .isEqualTo(41 * BLOCK);
      assertThat(read(dev, 40 * BLOCK, (int) BLOCK)).isEqualTo(far);
      assertThat(read(dev, BLOCK, data.length)).isEqualTo(data);
    }
    Path img = tmp.resolve("dev1.img");
    assertThat(run("export", "1", img.toString()).exitCode()).isZero();
    byte[] got = Files.readAllBytes(img);
    assertThat(got).hasSize((int) (41 * BLOCK));
    assertThat(Arrays.copyOfRange(got, (int) (40 * BLOCK), got.length)).isEqualTo(far);
    assertThat(Files.readString(dir.resolve("sizes"))).doesNotContain("\n2 ");
  }

  @Test
  void corruptMetadataIsReplacedWithoutForce() throws IOException {
    Path xml = dumpWithAFarMapping();
    try (FileChannel ch = FileChannel.open(dir.resolve("metadata"), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {9, 9, 9}), 40);
    }
    CliRun r = run("restore", xml.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertMetadataClean(dir);
  }

  @Test
  void aDumpMalformedHalfwayLeavesTheOldPool() throws IOException {
    String good = Files.readString(dumpWithAFarMapping());
    byte[] before = poolBytes();
    for (String bad :
        new String[] {
          good.substring(0, good.indexOf("<single_mapping") + 30),
          good.replace("time=\"0\"/>", "time=\"zero\"/>"),
          good.replace("nr_data_blocks=\"256\"", "nr_data_blocks=\"4096\"")
        }) {
      Path xml = tmp.resolve("bad.xml");
      Files.writeString(xml, bad);
      CliRun r = run("restore", "--force", xml.toString());
      assertThat(r.exitCode()).as(r.out()).isEqualTo(1);
      assertThat(r.err().lines()).hasSize(1);
      assertOldPoolIntact(before);
    }
  }

  @Test
  void aKilledRestoreLeavesTheOldPool() throws Exception {
    Path xml = tmp.resolve("big.xml");
    try (Writer w = Files.newBufferedWriter(xml, StandardCharsets.US_ASCII)) {
      w.write(
          "<superblock uuid=\"\" time=\"0\" transaction=\"9\" flags=\"0\" version=\"2\" "
              + "data_block_size=\"128\" nr_data_blocks=\"256\">\n");
      for (int dev = 10; dev < 400; dev++) {
        w.write(
            "  <device dev_id=\""
                + dev
                + "\" mapped_blocks=\"0\" transaction=\"0\" "
                + "creation_time=\"0\" snap_time=\"0\">\n");
        for (int b = 0; b < 2000; b++) {
          w.write(
              "    <single_mapping origin_block=\""
                  + (b * 7)
                  + "\" data_block=\""
                  + (b % 256)
                  + "\" time=\"0\"/>\n");
        }
        w.write("  </device>\n");
      }
      w.write("</superblock>\n");
    }
    byte[] before = poolBytes();
    Process p =
        new ProcessBuilder(
                ChildJvm.command(
                    Main.class, "--pool", dir.toString(), "restore", "--force", xml.toString()))
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("restore.log").toFile())
            .start();
    boolean seen = false;
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ChildJvm.STEP_TIMEOUT_SECONDS);
      while (!seen && p.isAlive() && System.nanoTime() < deadline) {
        seen = Files.exists(dir.resolve("metadata.restore-tmp"));
        Thread.sleep(2);
      }
      Thread.sleep(300);
    } finally {
      ChildJvm.kill(p);
    }
    assertThat(seen)
        .as("restore started: %s", Files.readString(tmp.resolve("restore.log")))
        .isTrue();
    assertThat(p.exitValue()).as("killed mid-restore").isEqualTo(128 + 9);
    assertOldPoolIntact(before);
  }

  @Test
  void aRestoreCutBetweenItsTwoRenamesIsFinishedOrUndoneByTheNextOpen() throws IOException {
    String sizes = Files.readString(dir.resolve("sizes"));
    String tid =
        sizes
            .lines()
            .filter(l -> l.startsWith("transaction "))
            .reduce((a, b) -> b)
            .orElseThrow()
            .substring("transaction ".length());
    String restored = "thinpool-sizes 1\ntransaction " + tid + "\n1 4194304\n2 8388608\nend\n";
    // Not switched yet (the temporary metadata is there): both temporary files go.
    Files.writeString(dir.resolve("sizes.restore-tmp"), restored);
    Files.write(dir.resolve("metadata.restore-tmp"), new byte[4096]);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.device(1).sizeBytes()).isEqualTo(2 * MIB);
    }
    assertThat(dir.resolve("sizes.restore-tmp")).doesNotExist();
    assertThat(dir.resolve("metadata.restore-tmp")).doesNotExist();
    // Switched (only the sizes are left to rename): the restore's sizes take over.
    Files.writeString(dir.resolve("sizes.restore-tmp"), restored);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.device(1).sizeBytes()).isEqualTo(4 * MIB);
    }
    assertThat(dir.resolve("sizes.restore-tmp")).doesNotExist();
    assertThat(Files.readString(dir.resolve("sizes"))).isEqualTo(restored);
  }
}

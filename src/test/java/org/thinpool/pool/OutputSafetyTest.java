package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.CliRun;

/**
 * Issue 8 item 5: export and dump -o never write over the pool's own files, however the path names
 * them (directly, through a symlink, through ../), and a failed export leaves no partial or empty
 * file, nor changes one that was there.
 */
class OutputSafetyTest {
  @TempDir Path tmp;
  private Path dir;
  private final byte[] data = bytes(11, 300_000);

  private CliRun run(String... args) {
    return CliRun.run(dir, args);
  }

  @BeforeEach
  void pool() throws IOException {
    dir = tmp.resolve("pool");
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      pool.createThin(1, 4 * MIB).write(MIB, data);
    }
  }

  private List<byte[]> poolFiles() throws IOException {
    List<byte[]> all = new ArrayList<>();
    for (String f : List.of("metadata", "data", "sizes", "pool.conf", "lock")) {
      all.add(Files.readAllBytes(dir.resolve(f)));
    }
    return all;
  }

  @Test
  void exportAndDumpRefuseEveryOwnFileByIdentity() throws IOException {
    Path link = Files.createSymbolicLink(tmp.resolve("link"), dir.resolve("data"));
    Files.createDirectories(tmp.resolve("elsewhere"));
    List<byte[]> before = poolFiles();
    for (String f : List.of("metadata", "data", "sizes", "pool.conf", "lock")) {
      Path[] names = {
        dir.resolve(f), tmp.resolve("elsewhere/../pool/" + f), Path.of(dir.toString() + "/./" + f)
      };
      for (Path out : names) {
        for (String[] cmd :
            new String[][] {{"export", "1", out.toString()}, {"dump", "-o", out.toString()}}) {
          CliRun r = run(cmd);
          assertThat(r.exitCode()).as(String.join(" ", cmd)).isEqualTo(1);
          assertThat(r.err())
              .isEqualTo(
                  "thinpool: refusing to write to "
                      + out
                      + ": it is the pool's "
                      + f
                      + " ("
                      + dir.resolve(f)
                      + ")\n");
        }
      }
    }
    CliRun r = run("export", "1", link.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("refusing to write to " + link + ": it is the pool's data");
    for (int i = 0; i < before.size(); i++) {
      if (i != 4) { // the lock note is rewritten by each writer's open, with the same pid
        assertThat(poolFiles().get(i)).as("pool file %d", i).isEqualTo(before.get(i));
      }
    }
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(PoolAssertions.read(pool.device(1), MIB, data.length)).isEqualTo(data);
    }
  }

  @Test
  void aFailedExportLeavesNoFileAndAnOldOneAsItWas() throws IOException {
    Path img = tmp.resolve("out/img");
    Files.createDirectories(img.getParent());
    CliRun r = run("export", "7", img.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("no thin device 7");
    try (Stream<Path> left = Files.list(img.getParent())) {
      assertThat(left).as("no partial, empty or temporary file").isEmpty();
    }
    byte[] old = bytes(12, 5000);
    Files.write(img, old);
    assertThat(run("export", "9", img.toString()).exitCode()).isEqualTo(1);
    assertThat(Files.readAllBytes(img)).isEqualTo(old);
    r = run("export", "1", img.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    byte[] got = Files.readAllBytes(img);
    assertThat(got).hasSize((int) (4 * MIB));
    assertThat(Arrays.copyOfRange(got, (int) MIB, (int) MIB + data.length)).isEqualTo(data);
    try (Stream<Path> left = Files.list(img.getParent())) {
      assertThat(left).containsExactly(img);
    }
    // A killed export's temporary file (its pid is gone) is removed by the next one.
    Path stale = img.resolveSibling(".img.thinpool-tmp-" + Long.MAX_VALUE / 2);
    Files.write(stale, old);
    assertThat(run("export", "1", img.toString()).exitCode()).isZero();
    assertThat(stale).doesNotExist();
    Path xml = tmp.resolve("out/pool.xml");
    assertThat(run("dump", "-o", xml.toString()).exitCode()).isZero();
    assertThat(Files.readString(xml)).contains("<device dev_id=\"1\"");
  }

  @Test
  void exportToACharacterDeviceWritesInPlace() {
    CliRun r = run("export", "1", "/dev/null");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(Path.of("/dev/null")).exists();
  }
}

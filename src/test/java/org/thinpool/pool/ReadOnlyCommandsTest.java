package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.CliRun;

/**
 * Issue 8 item 3: thin ls, check, dump, export and status on a pool that another process is writing
 * and committing without a pause never read torn state: each refuses with "pool DIR is in use by
 * process N" (never a false "corrupt", never a half-committed tree), and once the writer is gone
 * each reads the pool it left.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReadOnlyCommandsTest {
  private static final int ROUNDS = 5;

  @TempDir Path tmp;

  private static CliRun run(Path dir, String... args) {
    return CliRun.run(dir, args);
  }

  private List<String[]> commands() {
    return List.of(
        new String[] {"thin", "ls"},
        new String[] {"check"},
        new String[] {"dump", "-o", tmp.resolve("dump.xml").toString()},
        new String[] {"export", "1", tmp.resolve("export.img").toString()},
        new String[] {"status"});
  }

  @Test
  void readCommandsRefuseAPoolAnotherProcessIsWriting() throws Exception {
    Path dir = tmp.resolve("pool");
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(64 * MIB))) {
      pool.createThin(1, 16 * MIB);
    }
    try (Holder writer = Holder.start(tmp, "write", dir, 42)) {
      for (int round = 0; round < ROUNDS; round++) {
        assertThat(writer.nextLine()).as("writer still committing").startsWith("commits ");
        for (String[] cmd : commands()) {
          CliRun r = run(dir, cmd);
          String what = String.join(" ", cmd) + " in round " + round;
          assertThat(r.err()).as(what).doesNotContainIgnoringCase("corrupt");
          assertThat(r.exitCode()).as("%s: %s%s", what, r.out(), r.err()).isEqualTo(1);
          assertThat(r.err())
              .as(what)
              .isEqualTo("thinpool: pool " + dir + " is in use by process " + writer.pid() + "\n");
        }
      }
      assertThat(Files.exists(tmp.resolve("dump.xml"))).isFalse();
    }
    assertMetadataClean(dir);
    for (String[] cmd : commands()) {
      CliRun r = run(dir, cmd);
      assertThat(r.exitCode())
          .as("%s after the writer: %s", String.join(" ", cmd), r.err())
          .isZero();
    }
    assertThat(Files.readString(tmp.resolve("dump.xml"))).contains("<device dev_id=\"1\"");
  }
}

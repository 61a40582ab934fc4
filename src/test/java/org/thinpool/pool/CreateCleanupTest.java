package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 11: a failed or killed create leaves nothing behind, and a retry works. The pool is
 * built in a hidden folder beside its place and renamed into it.
 */
class CreateCleanupTest {
  /** 4 TiB of data blocks need more space-map bitmaps than 4 MiB of metadata holds. */
  private static final PoolOptions IMPOSSIBLE =
      PoolOptions.ofDataSize(4L << 40).withMetadataSize(MetadataSizing.MIN_BYTES);

  @TempDir Path tmp;

  @SuppressWarnings("StreamResourceLeak") // every caller closes it with try-with-resources
  private Stream<Path> entries(Path d) throws IOException {
    return Files.list(d);
  }

  @Test
  void aFailedCreateLeavesNothingAndTheRetryWorks() throws IOException {
    Path dir = tmp.resolve("pool");
    assertThatThrownBy(() -> ThinPool.create(dir, IMPOSSIBLE)).isInstanceOf(IOException.class);
    try (Stream<Path> left = entries(tmp)) {
      assertThat(left).as("no pool folder, no temporary folder").isEmpty();
    }
    Files.createDirectory(dir); // an empty folder made by the user is fine too
    assertThatThrownBy(() -> ThinPool.create(dir, IMPOSSIBLE)).isInstanceOf(IOException.class);
    try (Stream<Path> left = entries(dir)) {
      assertThat(left).as("the user's folder stays empty").isEmpty();
    }
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      pool.createThin(1, MIB);
    }
    assertMetadataClean(dir);
    try (Stream<Path> left = entries(tmp)) {
      assertThat(left).containsExactly(dir);
    }
  }

  @Test
  void createRefusesAFolderThatHoldsAPoolOrAnythingElse() throws IOException {
    Path dir = tmp.resolve("pool");
    ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB)).close();
    assertThatThrownBy(() -> ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB)))
        .isInstanceOf(PoolStateException.class)
        .hasMessageContaining("a pool already exists");
    Path other = Files.createDirectory(tmp.resolve("other"));
    Files.writeString(other.resolve("notes.txt"), "mine");
    assertThatThrownBy(() -> ThinPool.create(other, PoolOptions.ofDataSize(16 * MIB)))
        .isInstanceOf(PoolStateException.class)
        .hasMessageContaining("not empty");
    assertThat(Files.readString(other.resolve("notes.txt"))).isEqualTo("mine");
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aKilledCreateLeavesNoPoolAndItsLeftoverIsCleanedByTheRetry() throws Exception {
    Path dir = tmp.resolve("pool");
    // A create that takes seconds: 8 TiB of data blocks, whose space map is written at format.
    Process p =
        new ProcessBuilder(
                ChildJvm.command(
                    org.thinpool.cli.Main.class,
                    "--pool",
                    dir.toString(),
                    "create",
                    "--data-size",
                    "8T",
                    "--metadata-size",
                    "15G"))
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("create.log").toFile())
            .start();
    boolean seen = false;
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ChildJvm.STEP_TIMEOUT_SECONDS);
      while (!seen && p.isAlive() && System.nanoTime() < deadline) {
        seen = hasCreatingFolder();
        Thread.sleep(5);
      }
      Thread.sleep(200);
    } finally {
      ChildJvm.kill(p);
      Files.deleteIfExists(tmp.resolve("create.log"));
    }
    assertThat(seen).as("the create's temporary folder").isTrue();
    assertThat(Files.exists(dir))
        .as("the pool's folder appears only whole")
        .isEqualTo(p.exitValue() == 0);
    if (p.exitValue() == 0) {
      return; // it finished before the kill: nothing to clean up (rare, on a fast machine)
    }
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      pool.createThin(1, MIB);
    }
    try (Stream<Path> left = entries(tmp)) {
      assertThat(left)
          .as("the killed create's folder is removed by the next one")
          .containsExactly(dir);
    }
  }

  private boolean hasCreatingFolder() throws IOException {
    try (Stream<Path> s = entries(tmp)) {
      return s.anyMatch(f -> f.getFileName().toString().startsWith(".pool.creating-"));
    }
  }
}

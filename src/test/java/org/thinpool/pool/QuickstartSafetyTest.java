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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 1: examples/quickstart.sh works in a folder of its own and never deletes a user's
 * pool, neither the one $THINPOOL_POOL names nor ./thinpool-data. The script runs in a copy of the
 * checkout whose {@code thinpool} launcher runs the CLI from the test class path.
 */
class QuickstartSafetyTest {
  @TempDir Path tmp;

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void quickstartLeavesTheUsersPoolsAndItsOwnTempFolderGone() throws Exception {
    Path checkout = fakeCheckout();
    Path userPool = tmp.resolve("user-pool");
    Path defaultPool = checkout.resolve("thinpool-data");
    byte[] data = bytes(1, (int) MIB);
    for (Path p : List.of(userPool, defaultPool)) {
      try (ThinPool pool = ThinPool.create(p, PoolOptions.ofDataSize(16 * MIB))) {
        pool.createThin(7, 4 * MIB).write(MIB, data);
      }
    }
    Path scratch = Files.createDirectory(tmp.resolve("scratch"));
    ProcessBuilder pb =
        new ProcessBuilder("bash", "examples/quickstart.sh")
            .directory(checkout.toFile())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("quickstart.log").toFile());
    pb.environment().put("THINPOOL_POOL", userPool.toString());
    pb.environment().put("TMPDIR", scratch.toString());
    Process p = pb.start();
    assertThat(p.waitFor(ChildJvm.STEP_TIMEOUT_SECONDS * 4, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(tmp.resolve("quickstart.log"), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("quickstart output:\n%s", log).isZero();
    assertThat(log).contains("clean");
    for (Path pool : List.of(userPool, defaultPool)) {
      assertMetadataClean(pool);
      try (ThinPool reopened = ThinPool.open(pool)) {
        assertThat(reopened.deviceIds()).containsExactly(7L);
        assertThat(read(reopened.device(7), MIB, data.length)).isEqualTo(data);
      }
    }
    try (Stream<Path> left = Files.list(scratch)) {
      assertThat(left).as("the script's own folder is removed").isEmpty();
    }
  }

  /** examples/quickstart.sh, README.md and a launcher that runs Main from the class path. */
  private Path fakeCheckout() throws IOException {
    Path checkout = Files.createDirectories(tmp.resolve("checkout"));
    Files.createDirectories(checkout.resolve("examples"));
    Files.copy(Path.of("examples/quickstart.sh"), checkout.resolve("examples/quickstart.sh"));
    Files.copy(Path.of("README.md"), checkout.resolve("README.md"));
    String launcher =
        "#!/usr/bin/env bash\nexec "
            + String.join(
                " ",
                ChildJvm.command(org.thinpool.cli.Main.class).stream()
                    .map(a -> "'" + a + "'")
                    .toList())
            + " \"$@\"\n";
    Path tp = checkout.resolve("thinpool");
    Files.writeString(tp, launcher, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(tp, PosixFilePermissions.fromString("rwxr-xr-x"));
    return checkout;
  }
}

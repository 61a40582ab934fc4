package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkout launcher {@code ./thinpool}: builds only when the release is missing or a source is
 * newer, keeps the build's own output (Maven's JVM warnings included) off the terminal unless the
 * build fails, then runs the release launcher. Maven is stood in for by a script on PATH that
 * prints what a first Maven run on JDK 25 prints to stderr and lays out a release, so the test
 * checks the launcher's logic without a nested build.
 */
class CheckoutLauncherTest {
  @TempDir Path tmp;
  private Path checkout;
  private Path fakeBin;

  record Result(int exit, String out, String err) {}

  @BeforeEach
  void layOut() throws Exception {
    checkout = Files.createDirectories(tmp.resolve("checkout"));
    Files.copy(Path.of("thinpool"), checkout.resolve("thinpool"));
    Files.createDirectories(checkout.resolve("src/main/java"));
    Files.createDirectories(checkout.resolve("src/release"));
    Files.writeString(checkout.resolve("src/main/java/A.java"), "class A {}\n");
    Files.writeString(checkout.resolve("pom.xml"), "<project/>\n");
    fakeBin = Files.createDirectories(tmp.resolve("bin"));
    fakeMvn(0);
  }

  private void fakeMvn(int exit) throws Exception {
    String script =
        "#!/bin/sh\n"
            + "echo build >> \"$PWD/../builds\"\n"
            + "echo 'WARNING: A terminally deprecated method in sun.misc.Unsafe has been called' >&2\n"
            + "echo '[INFO] noise' \n"
            + "[ "
            + exit
            + " = 0 ] || { echo 'COMPILATION ERROR: A.java' >&2; exit "
            + exit
            + "; }\n"
            + "mkdir -p target/thinpool-9.9-linux-x64/bin\n"
            + "printf '#!/bin/sh\\necho ran \"$@\"\\n' > target/thinpool-9.9-linux-x64/bin/thinpool\n"
            + "chmod +x target/thinpool-9.9-linux-x64/bin/thinpool\n";
    Path mvn = fakeBin.resolve("mvn");
    Files.writeString(mvn, script, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private Result run(String... args) throws Exception {
    Path out = Files.createTempFile(tmp, "out", "");
    Path err = Files.createTempFile(tmp, "err", "");
    ProcessBuilder pb =
        new ProcessBuilder(
                java.util.stream.Stream.concat(
                        java.util.stream.Stream.of(checkout.resolve("thinpool").toString()),
                        List.of(args).stream())
                    .toList())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    pb.environment().put("PATH", fakeBin + ":/usr/bin:/bin");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("launcher did not finish");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private long builds() throws Exception {
    Path log = tmp.resolve("builds");
    return Files.exists(log) ? Files.readAllLines(log).size() : 0;
  }

  @Test
  void firstRunBuildsQuietlyLaterRunsBuildOnlyWhenASourceChanged() throws Exception {
    Result first = run("thin", "ls");
    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(first.out()).isEqualTo("ran thin ls\n");
    assertThat(first.err()).as("nothing of the build on the terminal").isEmpty();
    assertThat(builds()).isEqualTo(1);

    assertThat(run("status").out()).isEqualTo("ran status\n");
    assertThat(builds()).as("unchanged sources: no build").isEqualTo(1);

    Path source = checkout.resolve("src/main/java/A.java");
    Files.setLastModifiedTime(source, FileTime.from(Instant.now().plusSeconds(60)));
    assertThat(run("status").exit()).isZero();
    assertThat(builds()).as("a newer source: one build").isEqualTo(2);
  }

  @Test
  void failedBuildShowsItsOutputAndFails() throws Exception {
    fakeMvn(3);
    Result r = run("status");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("COMPILATION ERROR: A.java").contains("thinpool: build failed");
  }
}

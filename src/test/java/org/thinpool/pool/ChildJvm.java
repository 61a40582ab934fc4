package org.thinpool.pool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts a second JVM on the test class path, as a second process that opens the pool. */
final class ChildJvm {
  /** Time for a child to start or finish a step: generous, for a loaded CI machine. */
  static final long STEP_TIMEOUT_SECONDS = 120;

  private ChildJvm() {}

  static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** The command line that runs {@code mainClass} with {@code args} in a new JVM. */
  static List<String> command(Class<?> mainClass, String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                javaBinary(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                mainClass.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Result of a finished child. */
  record Result(int exitCode, String out, String err) {}

  /** Runs the thinpool CLI in a new JVM and waits for it. */
  static Result runCli(Path workDir, String... args) throws IOException, InterruptedException {
    Path out = Files.createTempFile(workDir, "cli", ".out");
    Path err = Files.createTempFile(workDir, "cli", ".err");
    Process p =
        new ProcessBuilder(command(org.thinpool.cli.Main.class, args))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      throw new AssertionError("thinpool " + String.join(" ", args) + " did not finish");
    }
    Result r =
        new Result(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  /** Kills a child this test started, by its handle, and waits for it. */
  static void kill(Process p) throws InterruptedException {
    if (p.isAlive()) {
      p.destroyForcibly();
      p.waitFor(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
  }
}

package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code thinpool serve} as a child process of the test (the real signal path): collects its
 * output, finds the URIs it prints, and stops it with SIGTERM by its own pid.
 */
final class ServeProcess implements AutoCloseable {
  final Process process;
  private final Path log;

  ServeProcess(Path workDir, String... args) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                "org.thinpool.cli.Main"));
    cmd.addAll(List.of(args));
    log = Files.createTempFile(workDir, "serve", ".log");
    process =
        new ProcessBuilder(cmd)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
  }

  private List<String> lines() {
    try {
      return Files.readAllLines(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of("(log unreadable: " + e + ")");
    }
  }

  /** Waits for the printed URIs (the server is listening once they are out). */
  List<String> uris() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      List<String> lines = lines();
      List<String> u =
          lines.stream()
              .map(String::strip)
              .filter(l -> l.startsWith("nbd://") || l.startsWith("nbd+unix://"))
              .toList();
      if (lines.stream().anyMatch(l -> l.startsWith("thinpool: ready"))) {
        return u;
      }
      assertThat(process.isAlive()).as(String.join("\n", lines)).isTrue();
      Thread.sleep(50);
    }
    throw new AssertionError("serve printed no URI: " + lines());
  }

  /** SIGTERM; returns the exit code. */
  int terminate() throws InterruptedException {
    process.destroy(); // SIGTERM to this pid only
    assertThat(process.waitFor(90, TimeUnit.SECONDS)).as(output()).isTrue();
    return process.exitValue();
  }

  String output() {
    return String.join("\n", lines());
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}

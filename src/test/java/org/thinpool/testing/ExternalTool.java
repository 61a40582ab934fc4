package org.thinpool.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a peer tool (thin_check, thin_dump, ...). Under {@code CI=true} a missing tool fails the
 * test; elsewhere the test is skipped, loudly.
 */
public final class ExternalTool {
  private ExternalTool() {}

  /** The result of one run. */
  public record Result(int exitCode, String stdout, String stderr) {
    public String all() {
      return stdout + stderr;
    }
  }

  /** Ensures the tool is on PATH (or in /usr/sbin); fails under CI, skips otherwise. */
  public static String require(String tool) {
    for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return Path.of(dir, tool).toString();
      }
    }
    String msg = tool + " is not installed (Debian package thin-provisioning-tools)";
    if ("true".equals(System.getenv("CI"))) {
      fail(msg + ": required under CI");
    }
    System.err.println("SKIPPING: " + msg);
    Assumptions.abort(msg);
    return null;
  }

  public static Result run(String tool, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(require(tool));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("tool", ".out");
    Path err = Files.createTempFile("tool", ".err");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(tool + " did not finish in 120 s");
      }
      return new Result(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}

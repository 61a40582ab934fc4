package org.thinpool.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

  /** True when running under CI ({@code CI=true}), where a missing tool is a failure. */
  public static boolean underCi() {
    return "true".equals(System.getenv("CI"));
  }

  /** The tool's executable in /usr/sbin, /usr/bin, /sbin or /bin, if installed. */
  public static Optional<String> find(String tool) {
    for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return Optional.of(Path.of(dir, tool).toString());
      }
    }
    return Optional.empty();
  }

  /** Why a tool is missing, for messages. */
  public static String missing(String tool) {
    return tool + " is not installed (Debian package thin-provisioning-tools)";
  }

  /** Ensures the tool is on PATH (or in /usr/sbin); fails under CI, skips otherwise. */
  public static String require(String tool) {
    Optional<String> found = find(tool);
    if (found.isPresent()) {
      return found.get();
    }
    String msg = missing(tool);
    if (underCi()) {
      fail(msg + ": required under CI");
    }
    System.err.println("SKIPPING: " + msg);
    Assumptions.abort(msg);
    return null;
  }

  /** {@code r}, asserted to have exited 0 (the message holds what the tool printed). */
  public static Result ok(Result r) {
    if (r.exitCode() != 0) {
      fail("exit code " + r.exitCode() + ": " + r.all());
    }
    return r;
  }

  public static Result run(String tool, String... args) throws IOException {
    return runExecutable(require(tool), args);
  }

  /** Runs an executable found by {@link #find}. */
  public static Result runExecutable(String executable, String... args) throws IOException {
    String tool = Path.of(executable).getFileName().toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(executable);
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("tool", ".out");
    Path err = Files.createTempFile("tool", ".err");
    try {
      Process p =
          new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
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

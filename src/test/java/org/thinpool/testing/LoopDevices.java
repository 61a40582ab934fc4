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
 * Loop devices for direct-mode tests, attached with {@code losetup -f --show FILE}. Closing
 * detaches exactly the devices this instance attached. Where losetup is missing or attaching fails
 * (no root, no loop driver), the test fails under {@code CI=true} and is skipped loudly elsewhere,
 * like {@link ExternalTool}.
 */
public final class LoopDevices implements AutoCloseable {
  private final List<Path> attached = new ArrayList<>();

  /** Attaches {@code backingFile}; returns the device, e.g. /dev/loop3. */
  public Path attach(Path backingFile) throws IOException {
    String losetup = ExternalTool.require("losetup");
    Run r = run(losetup, "-f", "--show", backingFile.toString());
    if (r.exitCode != 0 || !r.out.strip().startsWith("/dev/")) {
      unavailable("losetup -f --show " + backingFile + " failed: " + r.out + r.err);
    }
    Path dev = Path.of(r.out.strip());
    attached.add(dev);
    return dev;
  }

  private static void unavailable(String msg) {
    if ("true".equals(System.getenv("CI"))) {
      fail(msg + ": loop devices are required under CI");
    }
    System.err.println("SKIPPING: " + msg);
    Assumptions.abort(msg);
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... cmd) throws IOException {
    Path out = Files.createTempFile("losetup", ".out");
    Path err = Files.createTempFile("losetup", ".err");
    try {
      Process p =
          new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish in 60 s");
      }
      return new Run(
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

  /** Detaches every device this instance attached (only those), newest first. */
  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (int i = attached.size() - 1; i >= 0; i--) {
      Run r = run("losetup", "-d", attached.get(i).toString());
      if (r.exitCode != 0 && failure == null) {
        failure = new IOException("losetup -d " + attached.get(i) + " failed: " + r.err);
      }
    }
    attached.clear();
    if (failure != null) {
      throw failure;
    }
  }
}

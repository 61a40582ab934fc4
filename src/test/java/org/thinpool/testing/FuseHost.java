package org.thinpool.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * What the FUSE and loop-mount tests need: {@code /dev/fuse} readable and writable and root (to
 * mount). Under {@code CI=true} a missing one fails the test; elsewhere the test is skipped,
 * loudly.
 */
public final class FuseHost {
  private FuseHost() {}

  /** Polls {@code condition} (every 10 ms, up to 10 s): for what the kernel does after a call. */
  public static void awaitTrue(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    for (int i = 0; i < 1000 && !condition.getAsBoolean(); i++) {
      Thread.sleep(10);
    }
    if (!condition.getAsBoolean()) {
      fail("condition still false after 10 s");
    }
  }

  public static void require() throws IOException {
    Path dev = Path.of("/dev/fuse");
    int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    String missing =
        !Files.isReadable(dev) || !Files.isWritable(dev)
            ? "/dev/fuse is not available"
            : uid != 0 ? "mounting FUSE file systems needs root" : null;
    if (missing == null) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      fail(missing + ": required under CI");
    }
    System.err.println("SKIPPING: " + missing);
    Assumptions.abort(missing);
  }

  /** The bytes the host file system holds for {@code file} (st_blocks x 512), not its size. */
  public static long allocatedBytes(Path file) throws IOException {
    ExternalTool.Result r = ExternalTool.ok(ExternalTool.run("stat", "-c", "%b", file.toString()));
    return Long.parseLong(r.stdout().strip()) * 512;
  }
}

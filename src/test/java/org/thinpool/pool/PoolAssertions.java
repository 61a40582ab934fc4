package org.thinpool.pool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.testing.ExternalTool;
import org.thinpool.thin.check.PoolCheck;

/** Checks shared by the pool tests: the real thin_check, our checker, allocated file size. */
final class PoolAssertions {
  static final long KIB = 1024;
  static final long MIB = 1024 * KIB;

  private PoolAssertions() {}

  /**
   * Our checker and the real thin_check are clean on the pool's committed metadata. PoolCheck
   * always runs; thin_check where installed. A missing thin_check fails under {@code CI=true} and
   * elsewhere is a loud warning that does not abort the rest of the test.
   */
  static void assertMetadataClean(Path dir) throws IOException {
    assertMetadataClean(dir, ExternalTool.find("thin_check"), ExternalTool.underCi());
  }

  /**
   * {@link #assertMetadataClean(Path)} with the thin_check executable (or none) and the CI switch
   * given: every failure of either checker is reported together, neither hides the other.
   */
  static void assertMetadataClean(Path dir, Optional<String> thinCheck, boolean ci)
      throws IOException {
    Path meta = dir.resolve(ThinPool.METADATA_FILE);
    SoftAssertions soft = new SoftAssertions();
    try (FileBlockDevice dev = FileBlockDevice.openReadOnly(meta)) {
      PoolCheck.Report report = PoolCheck.run(dev);
      soft.assertThat(report.problems()).as("PoolCheck on %s", meta).isEmpty();
    }
    if (thinCheck.isPresent()) {
      ExternalTool.Result r = ExternalTool.runExecutable(thinCheck.get(), meta.toString());
      soft.assertThat(r.exitCode()).as("thin_check on %s: %s", meta, r.all()).isZero();
    } else if (ci) {
      soft.fail(ExternalTool.missing("thin_check") + ": required under CI=true");
    } else {
      System.err.println(
          "WARNING: "
              + ExternalTool.missing("thin_check")
              + "; only PoolCheck"
              + " judged "
              + meta);
    }
    soft.assertAll();
  }

  /** The file's allocated bytes (st_blocks * 512), from stat(1). */
  static long allocatedBytes(Path file) throws IOException {
    Process p = new ProcessBuilder("stat", "-c", "%b", file.toString()).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("stat did not finish");
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      return Long.parseLong(out.trim()) * 512;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** Seeded pseudo-random bytes. */
  static byte[] bytes(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, (byte) value);
    return b;
  }

  static byte[] read(ThinDevice dev, long offset, int n) throws IOException {
    byte[] b = new byte[n];
    dev.read(offset, b);
    return b;
  }
}

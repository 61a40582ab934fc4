package org.thinpool.pool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A running {@link PoolHolder}: started, read line by line, stopped by closing its stdin. */
final class Holder implements AutoCloseable {
  private final Process process;
  private final BufferedReader lines;
  private final Path err;

  private Holder(Process process, Path err) {
    this.process = process;
    this.err = err;
    this.lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
  }

  /** Starts {@code PoolHolder mode dir [seed]} and waits until it holds the pool. */
  static Holder start(Path tmp, String mode, Path dir, long seed) throws IOException {
    Path err = Files.createTempFile(tmp, "holder", ".err");
    Process p =
        new ProcessBuilder(
                ChildJvm.command(PoolHolder.class, mode, dir.toString(), Long.toString(seed)))
            .redirectError(err.toFile())
            .start();
    Holder h = new Holder(p, err);
    String first = h.nextLine();
    if (!("open " + p.pid()).equals(first)) {
      h.close();
      throw new AssertionError("holder printed '" + first + "'; stderr: " + h.stderr());
    }
    return h;
  }

  long pid() {
    return process.pid();
  }

  /** The next line of its stdout, null at its end. */
  String nextLine() throws IOException {
    return lines.readLine();
  }

  String stderr() throws IOException {
    return Files.readString(err, StandardCharsets.UTF_8);
  }

  /** Closes its stdin and waits for a clean exit (it closes the pool); kills it if it hangs. */
  @Override
  public void close() throws IOException {
    process.getOutputStream().close();
    try {
      if (!process.waitFor(ChildJvm.STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        ChildJvm.kill(process);
        throw new AssertionError("holder did not exit; stderr: " + stderr());
      }
      if (process.exitValue() != 0) {
        throw new AssertionError("holder exited " + process.exitValue() + "; stderr: " + stderr());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** Kills it with SIGKILL (the kernel drops its locks). */
  void kill() throws InterruptedException {
    ChildJvm.kill(process);
  }
}

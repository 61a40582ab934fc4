package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.LoopDevices;

/**
 * Issue 9 item 7 through the real server process: {@code serve --autoextend-*} grows a filling
 * pool, logs the low-water event and runs the hook; direct mode refuses the flags; a full pool
 * without autoextend answers ENOSPC to the NBD client and goes on serving.
 */
class ServeAutoextendTest {
  @TempDir Path tmp;

  private static CliTest.Run ok(CliTest.Run r) {
    assertThat(r.exit()).as(r.err()).isZero();
    return r;
  }

  @Test
  void aFillingPoolGrowsLogsTheLowWaterEventAndRunsTheHook() throws Exception {
    String p = tmp.resolve("pool").toString();
    ok(CliTest.run("--pool", p, "create", "--data-size", "16M"));
    ok(CliTest.run("--pool", p, "thin", "create", "1", "256M"));
    Path hookOut = tmp.resolve("hook.env");
    try (ServeProcess s =
        new ServeProcess(
            tmp,
            "--pool",
            p,
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--autoextend-threshold",
            "50",
            "--autoextend-by",
            "100",
            "--autoextend-hook",
            "env | grep ^THINPOOL_ | sort > "
                + hookOut
                + ".tmp && mv "
                + hookOut
                + ".tmp "
                + hookOut)) {
      String uri = s.uris().getFirst();
      ExternalTool.Result w =
          ExternalTool.run("qemu-io", "-f", "raw", "-c", "write -P 9 0 12M", uri); // 75 %
      assertThat(w.exitCode()).as(w.all()).isZero();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(hookOut) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(hookOut).as(s.output()).exists();
      assertThat(Files.readAllLines(hookOut))
          .contains(
              "THINPOOL_EVENT=autoextend",
              "THINPOOL_WHAT=data",
              "THINPOOL_DATA_USED_PCT=75",
              "THINPOOL_USED_BLOCKS=192",
              "THINPOOL_TOTAL_BLOCKS=256",
              "THINPOOL_NEW_SIZE_BYTES=" + (32 << 20),
              "THINPOOL_POOL=" + Path.of(p).toAbsolutePath());
      assertThat(s.output())
          .contains("low water: data 192/256 blocks used (75% >= 50%): grew the data file");
      // 12 MiB more than the pool first had: the growth came before the writes could fail
      ExternalTool.Result more =
          ExternalTool.run("qemu-io", "-f", "raw", "-c", "write -P 8 12M 12M", uri);
      assertThat(more.exitCode()).as(more.all()).isZero();
      assertThat(s.terminate()).as(s.output()).isZero();
    }
    assertThat(Files.size(Path.of(p, "data"))).isGreaterThanOrEqualTo(32 << 20);
    ExternalTool.Result check = ExternalTool.run("thin_check", Path.of(p, "metadata").toString());
    assertThat(check.exitCode()).as(check.all()).isZero();
  }

  @Test
  void aFullPoolAnswersEnospcToTheClientAndTheServerKeepsServing() throws Exception {
    String p = tmp.resolve("pool").toString();
    ok(CliTest.run("--pool", p, "create", "--data-size", "4M")); // error_if_no_space: the default
    ok(CliTest.run("--pool", p, "thin", "create", "1", "64M"));
    try (ServeProcess s = new ServeProcess(tmp, "--pool", p, "serve", "--listen", "127.0.0.1:0")) {
      String uri = s.uris().getFirst();
      ExternalTool.Result w = ExternalTool.run("qemu-io", "-f", "raw", "-c", "write 0 8M", uri);
      assertThat(w.all()).contains("No space left on device");
      ExternalTool.Result again =
          ExternalTool.run("qemu-io", "-f", "raw", "-c", "write 32M 64k", uri);
      assertThat(again.all()).contains("No space left on device");
      ExternalTool.Result r = ExternalTool.run("qemu-io", "-f", "raw", "-c", "read 0 8M", uri);
      assertThat(r.exitCode()).as(r.all()).isZero();
      assertThat(r.all()).doesNotContain("error");
      ok(CliTest.run("--pool", p, "thin", "create", "2", "1M")); // the control socket too
      assertThat(ExternalTool.run("nbdinfo", "--size", uri.replaceAll("/1$", "/2")).stdout())
          .isEqualToIgnoringWhitespace(Long.toString(1 << 20));
      ok(CliTest.run("--pool", p, "discard", "1", "0", "64M")); // room again: writes succeed
      ExternalTool.Result fits =
          ExternalTool.run("qemu-io", "-f", "raw", "-c", "write -P 3 0 1M", uri);
      assertThat(fits.exitCode()).as(fits.all()).isZero();
      assertThat(fits.all()).doesNotContain("No space");
      assertThat(s.terminate()).as(s.output()).isZero();
    }
    ExternalTool.Result check = ExternalTool.run("thin_check", Path.of(p, "metadata").toString());
    assertThat(check.exitCode()).as(check.all()).isZero();
  }

  @Test
  void aDirectModePoolRefusesTheAutoextendFlagsSayingWhy() throws Exception {
    Path dir = tmp.resolve("pool");
    try (LoopDevices loops = new LoopDevices()) {
      Path meta = loops.attach(sparse("meta.img", 8 << 20));
      Path data = loops.attach(sparse("data.img", 64 << 20));
      ok(
          CliTest.run(
              "--pool",
              dir.toString(),
              "create",
              "--metadata-device",
              meta.toString(),
              "--data-device",
              data.toString()));
      CliTest.Run r =
          CliTest.run(
              "--pool",
              dir.toString(),
              "serve",
              "--listen",
              "127.0.0.1:0",
              "--autoextend-threshold",
              "80",
              "--autoextend-by",
              "20");
      assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
      assertThat(r.err()).contains("direct mode").contains("--autoextend");
      assertThat(r.out()).doesNotContain("ready");
      // refused before the pool was opened: no server, no control socket
      assertThat(Files.exists(dir.resolve("control.sock"))).isFalse();
    }
  }

  private Path sparse(String name, long sizeBytes) throws Exception {
    Path f = tmp.resolve(name);
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(sizeBytes);
    }
    return f;
  }
}

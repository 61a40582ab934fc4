package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;

/**
 * Issue 9 items 2 and 9f: while {@code thinpool serve} runs, every CLI command on its pool goes
 * through the control socket and behaves as without a server; NBD clients see the effects at once;
 * deleting a device in use is refused with the reason, or deferred.
 */
class ControlSocketTest {
  @TempDir Path tmp;

  private static CliTest.Run ok(CliTest.Run r) {
    assertThat(r.exit()).as(r.err()).isZero();
    return r;
  }

  @Test
  void everyCommandRunsThroughTheServerAndClientsSeeItsEffects() throws Exception {
    Path pool = tmp.resolve("pool");
    String p = pool.toString();
    try (ServeProcess s = new ServeProcess(tmp, "--pool", p, "serve", "--listen", "127.0.0.1:0")) {
      String uri1 = s.uris().get(0);
      String base = uri1.substring(0, uri1.lastIndexOf('/') + 1);
      Path sock = pool.resolve("control.sock");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)))
          .isEqualTo("rw-------");

      ok(CliTest.run("--pool", p, "thin", "create", "2", "64M"));
      assertThat(ExternalTool.run("nbdinfo", "--size", base + "2").stdout().strip())
          .isEqualTo(Long.toString(64L << 20)); // an export at once
      byte[] content = new byte[200_000];
      new Random(5).nextBytes(content);
      Path in = tmp.resolve("in.bin");
      Files.write(in, content);
      ok(CliTest.run("--pool", p, "import", "2", in.toString()));
      ok(CliTest.run("--pool", p, "thin", "snapshot", "3", "2"));
      ok(CliTest.run("--pool", p, "thin", "resize", "3", "128M"));
      Path out = tmp.resolve("out.bin");
      ok(CliTest.run("--pool", p, "export", "3", out.toString()));
      assertThat(Files.readAllBytes(out)).startsWith(content);
      ok(CliTest.run("--pool", p, "discard", "2", "0", "64M"));
      ExternalTool.Result map = ExternalTool.run("nbdinfo", "--map", base + "2");
      assertThat(map.stdout()).doesNotContain("data");
      ok(CliTest.run("--pool", p, "grow", "--data-size", "8G"));
      assertThat(ok(CliTest.run("--pool", p, "status")).out()).isNotBlank();
      assertThat(ok(CliTest.run("--pool", p, "thin", "ls")).out()).contains("3");
      assertThat(ok(CliTest.run("--pool", p, "check")).out()).contains("clean");
      assertThat(ok(CliTest.run("--pool", p, "dump")).out()).contains("<device dev_id=\"3\"");
      assertThat(ExternalTool.run("nbdinfo", "--size", base + "3").stdout().strip())
          .isEqualTo(Long.toString(128L << 20));
      CliTest.Run bad = CliTest.run("--pool", p, "thin", "delete", "77");
      assertThat(bad.exit()).isEqualTo(ExitCodes.ERROR);

      Path fuse = tmp.resolve("fuse");
      Files.createDirectories(fuse);
      Process nbdfuse =
          new ProcessBuilder(ExternalTool.require("nbdfuse"), "-r", fuse.toString(), base + "3")
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("nbdfuse.log").toFile())
              .start();
      try {
        for (int i = 0; i < 200 && !Files.exists(fuse.resolve("nbd")); i++) {
          Thread.sleep(50);
        }
        assertThat(Files.readAllBytes(fuse.resolve("nbd"))).startsWith(content);
        CliTest.Run refused = CliTest.run("--pool", p, "thin", "delete", "3");
        assertThat(refused.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(refused.err())
            .contains("thin device 3 is in use by")
            .contains("--deferred-delete");
        CliTest.Run deferred = CliTest.run("--pool", p, "thin", "delete", "3", "--deferred-delete");
        assertThat(deferred.exit()).as(deferred.err()).isZero();
        assertThat(deferred.out()).contains("deferred");
        assertThat(ExternalTool.run("nbdinfo", "--size", base + "3").exitCode()).isNotZero();
        assertThat(ok(CliTest.run("--pool", p, "thin", "ls")).out())
            .containsPattern("(?m)^\\s*3\\s");
      } finally {
        ExternalTool.run("fusermount3", "-u", fuse.toString());
        if (!nbdfuse.waitFor(30, TimeUnit.SECONDS)) {
          nbdfuse.destroy(); // our nbdfuse's pid only
        }
      }
      String ls = "";
      for (int i = 0; i < 100; i++) {
        ls = ok(CliTest.run("--pool", p, "thin", "ls")).out();
        if (!ls.matches("(?s).*(?m)^\\s*3\\s.*")) {
          break;
        }
        Thread.sleep(100);
      }
      assertThat(ls).doesNotContainPattern("(?m)^\\s*3\\s");
      assertThat(s.terminate()).isZero();
    }
    assertThat(Files.exists(pool.resolve("control.sock"))).isFalse();
    ExternalTool.Result check = ExternalTool.run("thin_check", pool.resolve("metadata").toString());
    assertThat(check.exitCode()).as(check.all()).isZero();
    // without a server the same commands run here, on the files
    assertThat(ok(CliTest.run("--pool", p, "thin", "ls")).out()).contains("2");
  }
}

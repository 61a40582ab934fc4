package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.FuseHost;

/**
 * {@code serve --fuse DIR}: every thin device is DIR/ID while the server runs, the same bytes the
 * NBD export serves, devices made through the control socket appear, SIGTERM unmounts.
 */
class ServeFuseTest {
  @TempDir Path tmp;

  @Test
  void serveShowsEveryDeviceAsAFileAndUnmountsOnSigterm() throws Exception {
    FuseHost.require();
    Path sock = tmp.resolve("nbd.sock");
    Path files = tmp.resolve("files");
    String pool = tmp.resolve("thinpool-data").toString();
    try (ServeProcess p =
        new ServeProcess(
            tmp,
            "serve",
            "--listen",
            "none",
            "--socket",
            sock.toString(),
            "--fuse",
            files.toString())) {
      String uri = p.uris().get(0);
      assertThat(p.output()).contains("device files in " + files);
      assertThat(Files.size(files.resolve("1"))).isEqualTo(1L << 30);
      try (FileChannel ch = FileChannel.open(files.resolve("1"), StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.allocate(100_000);
        while (b.hasRemaining()) {
          b.put((byte) 0x3c);
        }
        ch.write(b.flip(), 4096);
        ch.force(true);
      }
      ExternalTool.Result r =
          ExternalTool.run("qemu-io", "-f", "raw", "-c", "read -P 0x3c 4096 100000", uri);
      assertThat(r.exitCode()).as(r.all()).isZero();
      assertThat(CliTest.run("--pool", pool, "thin", "create", "2", "64M").exit()).isZero();
      try (Stream<Path> s = Files.list(files)) {
        assertThat(s.map(f -> f.getFileName().toString())).containsExactly("1", "2");
      }
      assertThat(Files.size(files.resolve("2"))).isEqualTo(64L << 20);
      assertThat(CliTest.run("--pool", pool, "thin", "delete", "2").exit()).isZero();
      assertThat(files.resolve("2")).doesNotExist();
      assertThat(p.terminate()).as(p.output()).isZero();
    }
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8))
        .doesNotContain(files.toString());
  }

  @Test
  void fuseWithReadOnlyIsAUsageError() {
    CliTest.Run r =
        CliTest.run("--pool", tmp.resolve("p").toString(), "serve", "--read-only", "--fuse", "x");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("--read-only");
  }
}

package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;

/** Issue 9 item 1: {@code thinpool serve} is the main job. */
class ServeCommandTest {
  @TempDir Path tmp;

  @Test
  void createsTheDefaultPoolServesTcpAndUnixAndSigtermDrainsCommitsExitsZero() throws Exception {
    Path sock = tmp.resolve("nbd.sock");
    List<String> uris;
    try (ServeProcess p =
        new ServeProcess(tmp, "serve", "--listen", "127.0.0.1:0", "--socket", sock.toString())) {
      uris = p.uris();
      assertThat(p.output()).contains("created pool thinpool-data");
      assertThat(uris).hasSize(2);
      assertThat(uris.get(0)).matches("nbd://127\\.0\\.0\\.1:\\d+/1");
      assertThat(uris.get(1)).isEqualTo("nbd+unix:///1?socket=" + sock);
      ExternalTool.Result w =
          ExternalTool.run("qemu-io", "-f", "raw", "-c", "write -P 0x3c 4096 100000", uris.get(0));
      assertThat(w.exitCode()).as(w.all()).isZero();
      ExternalTool.Result r =
          ExternalTool.run("qemu-io", "-f", "raw", "-c", "read -P 0x3c 4096 100000", uris.get(1));
      assertThat(r.exitCode()).as(r.all()).isZero();
      assertThat(ExternalTool.run("nbdinfo", "--size", uris.get(1)).stdout().strip())
          .isEqualTo(Long.toString(1L << 30));
      assertThat(p.terminate()).as(p.output()).isZero();
      assertThat(p.output()).contains("stopped");
    }
    assertThat(Files.exists(sock)).isFalse();
    ExternalTool.Result check =
        ExternalTool.run("thin_check", tmp.resolve("thinpool-data/metadata").toString());
    assertThat(check.exitCode()).as(check.all()).isZero();
    // the served pool reopens with the data (committed at shutdown)
    try (ServeProcess p =
        new ServeProcess(tmp, "serve", "--listen", "127.0.0.1:0", "--read-only")) {
      String uri = p.uris().get(0);
      assertThat(p.output()).doesNotContain("created pool");
      ExternalTool.Result r =
          ExternalTool.run("qemu-io", "-r", "-f", "raw", "-c", "read -P 0x3c 4096 100000", uri);
      assertThat(r.exitCode()).as(r.all()).isZero();
      ExternalTool.Result w =
          ExternalTool.run("qemu-io", "-f", "raw", "-c", "write -P 1 0 512", uri);
      assertThat(w.exitCode()).isNotZero();
      assertThat(p.terminate()).isZero();
    }
  }

  @Test
  void listenNoneWithoutASocketIsAUsageError() {
    CliTest.Run r = CliTest.run("--pool", tmp.resolve("p").toString(), "serve", "--listen", "none");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("nothing to listen on");
  }
}

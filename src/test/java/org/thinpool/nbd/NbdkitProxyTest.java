package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.testing.ExternalTool.ok;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;

/**
 * nbdkit's {@code nbd} plugin as our client (issue 9 names it): nbdkit proxies qemu-io and nbdinfo
 * to our server, so every request it forwards is nbdkit's own client code talking to us (structured
 * replies, base:allocation, FUA, TRIM, WRITE_ZEROES, FLUSH, DISC).
 */
class NbdkitProxyTest {
  static final long MIB = 1 << 20;

  @TempDir Path tmp;

  @Test
  void qemuIoAndNbdinfoThroughNbdkitsNbdPluginSeeExactlyWhatTheDeviceHolds() throws Exception {
    String nbdkit = ExternalTool.require("nbdkit");
    try (ServedPool s = new ServedPool(tmp.resolve("pool"), 256 * MIB, false, 16 * MIB)) {
      Path sock = tmp.resolve("nbdkit.sock");
      Process proxy =
          new ProcessBuilder(
                  nbdkit,
                  "--foreground",
                  "--exit-with-parent",
                  "--unix",
                  sock.toString(),
                  "nbd",
                  "hostname=127.0.0.1",
                  "port=" + s.address.getPort(),
                  "export=1")
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("nbdkit.log").toFile())
              .start();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(sock) && proxy.isAlive() && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(sock).as(Files.readString(tmp.resolve("nbdkit.log"))).exists();
        String uri = "nbd+unix:///?socket=" + sock;
        ok(
            ExternalTool.run(
                "qemu-io",
                "-f",
                "raw",
                "-c",
                "write -P 0x61 1000 200000",
                "-c",
                "write -P 0x62 4M 1M",
                "-c",
                "discard 4M 512k",
                "-c",
                "write -z 8M 1M",
                "-c",
                "flush",
                uri));
        ExternalTool.Result r =
            ok(
                ExternalTool.run(
                    "qemu-io",
                    "-f",
                    "raw",
                    "-c",
                    "read -P 0x61 1000 200000",
                    "-c",
                    "read -P 0 4M 512k",
                    "-c",
                    "read -P 0x62 4718592 512k",
                    "-c",
                    "read -P 0 8M 1M",
                    uri));
        assertThat(r.all()).doesNotContain("verification failed");
        String map = ok(ExternalTool.run("nbdinfo", "--map", uri)).stdout();
        // 64 KiB blocks: [0, 256K) and [4.5M, 5M) written, [8M, 9M) zeroed with NO_HOLE (qemu-io's
        // write -z, passed on by nbdkit) so provisioned; the rest, and the trimmed half, holes
        assertThat(map.lines().map(l -> l.strip().replaceAll("\\s+", " ")))
            .containsExactly(
                "0 262144 0 data",
                "262144 4456448 3 hole,zero",
                "4718592 524288 0 data",
                "5242880 3145728 3 hole,zero",
                "8388608 1048576 0 data",
                "9437184 7340032 3 hole,zero");
        assertThat(ok(ExternalTool.run("nbdinfo", "--size", uri)).stdout().strip())
            .isEqualTo(Long.toString(16 * MIB));
      } finally {
        proxy.destroy(); // this pid only
        proxy.waitFor(30, TimeUnit.SECONDS);
      }
      ByteBuffer b = ByteBuffer.allocate(3);
      s.pool.device(1).read(4 * MIB + 512 * 1024, b);
      assertThat(b.array()).containsOnly(0x62);
    }
  }
}

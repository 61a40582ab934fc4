package org.thinpool.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.FuseHost;

/**
 * A server killed with SIGKILL leaves its FUSE mount behind, answering nothing; the next mount on
 * the same mount point finds it in mountinfo and detaches it, and serves. Kills only the child it
 * started, by its handle.
 */
class StaleMountTest {
  static final long MIB = 1 << 20;

  @TempDir Path tmp;

  @Test
  void aKilledServersMountIsDetachedByTheNextMount() throws Exception {
    FuseHost.require();
    Path poolDir = tmp.resolve("pool");
    Path mnt = tmp.resolve("files");
    try (ThinPool pool = ThinPool.create(poolDir, PoolOptions.ofDataSize(64 * MIB))) {
      pool.createThin(3, 8 * MIB).write(0, new byte[] {42});
    }
    Process child = startChild(poolDir, mnt, 3);
    try {
      assertThat(Files.size(mnt.resolve("3"))).isEqualTo(8 * MIB);
    } finally {
      child.destroyForcibly(); // SIGKILL to our child only
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(MountTable.at(mnt))
        .extracting(MountTable.Mount::fsType)
        .containsExactly(MountTable.FS_TYPE);
    assertThatThrownBy(() -> Files.size(mnt.resolve("3"))).hasMessageContaining("not connected");
    try (ThinPool pool = ThinPool.open(poolDir);
        DeviceFileSystem fs = DeviceFileSystem.mount(mnt, pool)) {
      assertThat(MountTable.at(mnt)).hasSize(1);
      byte[] first = new byte[1];
      try (var in = Files.newInputStream(fs.expose(3))) {
        assertThat(in.read(first)).isEqualTo(1);
      }
      assertThat(first[0]).isEqualTo((byte) 42);
    }
    assertThat(MountTable.at(mnt)).isEmpty();
  }

  @Test
  void anotherFileSystemOnTheMountPointIsRefused() throws Exception {
    FuseHost.require();
    Path mnt = tmp.resolve("files");
    Files.createDirectories(mnt);
    assertThat(ExternalTool.run("mount", "-t", "tmpfs", "none", mnt.toString()).exitCode())
        .isZero();
    try (ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(64 * MIB))) {
      assertThatThrownBy(() -> DeviceFileSystem.mount(mnt, pool))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("tmpfs");
    } finally {
      assertThat(ExternalTool.run("umount", mnt.toString()).exitCode()).isZero();
    }
  }

  private static Process startChild(Path poolDir, Path mnt, long id) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        List.of(
            java,
            "-Xmx128m",
            "-XX:TieredStopAtLevel=1",
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            FuseChild.class.getName(),
            poolDir.toString(),
            mnt.toString(),
            Long.toString(id));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    StringBuilder seen = new StringBuilder();
    while ((line = out.readLine()) != null && !line.equals("READY")) {
      seen.append(line).append('\n');
    }
    if (line == null) {
      p.waitFor(60, TimeUnit.SECONDS);
      throw new AssertionError("child did not get ready:\n" + seen);
    }
    return p;
  }
}

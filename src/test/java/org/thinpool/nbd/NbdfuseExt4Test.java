package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.testing.ExternalTool.ok;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.KernelMount;
import org.thinpool.testing.LoopDevices;

/**
 * Issue 9 item 9e: a kernel file system on a served thin device, through nbdfuse and a loop device;
 * then a snapshot, mounted, keeps the old contents while the origin changes. Cleans up exactly what
 * it made: its mounts, its loop devices (by name), its nbdfuse processes (by pid).
 */
class NbdfuseExt4Test {
  @TempDir Path tmp;

  /** One nbdfuse process serving {@code dir/nbd}; closing unmounts it and waits for the pid. */
  static final class Fuse implements AutoCloseable {
    final Path dir;
    final Process process;

    Fuse(Path dir, String uri, boolean readOnly) throws IOException, InterruptedException {
      this.dir = dir;
      Files.createDirectories(dir);
      List<String> cmd = new ArrayList<>(List.of(ExternalTool.require("nbdfuse")));
      if (readOnly) {
        cmd.add("-r");
      }
      cmd.addAll(List.of(dir.toString(), uri));
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolveSibling(dir.getFileName() + ".log").toFile())
              .start();
      for (int i = 0; i < 200 && !Files.exists(dir.resolve("nbd")); i++) {
        assertThat(process.isAlive()).isTrue();
        Thread.sleep(50);
      }
      assertThat(dir.resolve("nbd")).exists();
    }

    Path file() {
      return dir.resolve("nbd");
    }

    @Override
    public void close() throws IOException, InterruptedException {
      ExternalTool.run("fusermount3", "-u", dir.toString());
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroy(); // this nbdfuse's pid only
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void ext4OnAServedDeviceChecksCleanAndASnapshotKeepsTheOldContents() throws Exception {
    ExternalTool.require("mkfs.ext4");
    byte[] first = new byte[3 << 20];
    byte[] second = new byte[3 << 20];
    new Random(1).nextBytes(first);
    new Random(2).nextBytes(second);
    try (ServedPool s = new ServedPool(tmp.resolve("pool"), 512L << 20, false, 256L << 20);
        LoopDevices loops = new LoopDevices()) {
      try (Fuse f = new Fuse(tmp.resolve("fuse1"), s.uri(1), false)) {
        ok(ExternalTool.run("mkfs.ext4", "-q", "-F", f.file().toString()));
        Path dev = loops.attach(f.file());
        try (KernelMount m = KernelMount.of(dev, tmp.resolve("mnt1"), "rw")) {
          Files.write(m.dir().resolve("f"), first);
          ok(ExternalTool.run("sync"));
        }
        ok(ExternalTool.run("e2fsck", "-fn", dev.toString()));
        loops.close();
      }
      s.pool.createSnapshot(2, 1); // an export at once, while serving
      try (Fuse snap = new Fuse(tmp.resolve("fuse2"), s.uri(2), true);
          Fuse origin = new Fuse(tmp.resolve("fuse3"), s.uri(1), false)) {
        Path snapDev = loops.attach(snap.file());
        Path originDev = loops.attach(origin.file());
        try (KernelMount sm = KernelMount.of(snapDev, tmp.resolve("mnt2"), "ro,noload");
            KernelMount om = KernelMount.of(originDev, tmp.resolve("mnt3"), "rw")) {
          Files.write(om.dir().resolve("f"), second);
          Files.write(om.dir().resolve("g"), second);
          ok(ExternalTool.run("sync"));
          assertThat(Files.readAllBytes(om.dir().resolve("f"))).isEqualTo(second);
          assertThat(Files.readAllBytes(sm.dir().resolve("f"))).isEqualTo(first);
          assertThat(sm.dir().resolve("g")).doesNotExist();
        }
        ok(ExternalTool.run("e2fsck", "-fn", originDev.toString()));
        ok(ExternalTool.run("e2fsck", "-fn", snapDev.toString()));
        loops.close();
      }
    }
    ok(ExternalTool.run("thin_check", tmp.resolve("pool/metadata").toString()));
  }
}

package org.thinpool.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.testing.ExternalTool.ok;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.thinpool.pool.DiscardMode;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.FuseHost;
import org.thinpool.testing.KernelMount;
import org.thinpool.testing.LoopDevices;

/**
 * Kernel file systems on exposed device files, through loop devices: ext4 and xfs made, mounted,
 * written and checked clean; a snapshot mounted read-only keeps the old contents while its origin
 * changes; discards from a mounted file system (online discard, fstrim) free pool blocks as the
 * discard mode says. Cleans up exactly what it made: its mounts and its loop devices, by name.
 */
class LoopMountsTest {
  static final long MIB = 1 << 20;

  @TempDir Path tmp;

  static byte[] random(int bytes, long seed) {
    byte[] b = new byte[bytes];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void ext4OnAnExposedFileChecksCleanAndASnapshotKeepsTheOldContents() throws Exception {
    FuseHost.require();
    ExternalTool.require("mkfs.ext4");
    byte[] first = random(3 << 20, 1);
    byte[] second = random(3 << 20, 2);
    try (ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(512 * MIB));
        DeviceFileSystem fs = DeviceFileSystem.mount(tmp.resolve("files"), pool);
        LoopDevices loops = new LoopDevices()) {
      pool.createThin(5, 256 * MIB);
      Path file = fs.expose(5);
      ok(ExternalTool.run("mkfs.ext4", "-q", "-F", file.toString()));
      Path dev = loops.attach(file);
      assertThat(fs.inUse(5)).isTrue();
      try (KernelMount m = KernelMount.of(dev, tmp.resolve("mnt1"), "rw,discard")) {
        Files.write(m.dir().resolve("f"), first);
        ok(ExternalTool.run("sync"));
      }
      ok(ExternalTool.run("e2fsck", "-fn", dev.toString()));
      loops.close();
      FuseHost.awaitTrue(() -> !fs.inUse(5));

      pool.createSnapshot(6, 5);
      Path snapDev = loops.attach(fs.expose(6));
      Path originDev = loops.attach(file);
      try (KernelMount sm = KernelMount.of(snapDev, tmp.resolve("mnt2"), "ro,noload");
          KernelMount om = KernelMount.of(originDev, tmp.resolve("mnt3"), "rw,discard")) {
        Files.write(om.dir().resolve("f"), second);
        Files.write(om.dir().resolve("g"), second);
        ok(ExternalTool.run("sync"));
        assertThat(Files.readAllBytes(om.dir().resolve("f"))).isEqualTo(second);
        assertThat(Files.readAllBytes(sm.dir().resolve("f"))).isEqualTo(first);
        assertThat(sm.dir().resolve("g")).doesNotExist();
      }
      ok(ExternalTool.run("e2fsck", "-fn", originDev.toString()));
      ok(ExternalTool.run("e2fsck", "-fn", snapDev.toString()));
    }
    ok(ExternalTool.run("thin_check", tmp.resolve("pool/metadata").toString()));
  }

  @Test
  void xfsOnAnExposedFileChecksClean() throws Exception {
    FuseHost.require();
    ExternalTool.require("mkfs.xfs");
    byte[] data = random(5 << 20, 3);
    try (ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(512 * MIB));
        DeviceFileSystem fs = DeviceFileSystem.mount(tmp.resolve("files"), pool);
        LoopDevices loops = new LoopDevices()) {
      pool.createThin(1, 320 * MIB); // xfs wants 300 MiB at least
      Path file = fs.expose(1);
      ok(ExternalTool.run("mkfs.xfs", "-q", "-f", file.toString()));
      Path dev = loops.attach(file);
      try (KernelMount m = KernelMount.of(dev, tmp.resolve("mnt"), "rw,discard")) {
        Files.write(m.dir().resolve("f"), data);
        ok(ExternalTool.run("sync"));
      }
      ok(ExternalTool.run("xfs_repair", "-n", dev.toString()));
      try (KernelMount m = KernelMount.of(dev, tmp.resolve("mnt"), "ro")) {
        assertThat(Files.readAllBytes(m.dir().resolve("f"))).isEqualTo(data);
      }
    }
    ok(ExternalTool.run("thin_check", tmp.resolve("pool/metadata").toString()));
  }

  /**
   * Issue 10 item 8e at the file-system level: 50 MiB written then deleted in a mounted ext4, then
   * fstrim. passdown: the blocks return to the pool and the data file shrinks; nopassdown: they
   * return to the pool only; ignore: neither (and fstrim is refused, as on a dm-thin device that
   * ignores discards).
   */
  @ParameterizedTest
  @EnumSource(DiscardMode.class)
  void deletingAFileAndTrimmingFreesBlocksAsTheDiscardModeSays(DiscardMode mode) throws Exception {
    FuseHost.require();
    ExternalTool.require("mkfs.ext4");
    Path poolDir = tmp.resolve("pool");
    PoolOptions options = PoolOptions.ofDataSize(512 * MIB).withDiscardMode(mode);
    try (ThinPool pool = ThinPool.create(poolDir, options);
        DeviceFileSystem fs = DeviceFileSystem.mount(tmp.resolve("files"), pool);
        LoopDevices loops = new LoopDevices()) {
      pool.createThin(1, 256 * MIB);
      Path file = fs.expose(1);
      ok(ExternalTool.run("mkfs.ext4", "-q", "-F", "-E", "nodiscard", file.toString()));
      Path dev = loops.attach(file);
      try (KernelMount m = KernelMount.of(dev, tmp.resolve("mnt"), "rw,discard")) {
        Files.write(m.dir().resolve("big"), random(50 << 20, 4));
        ok(ExternalTool.run("sync"));
        pool.commit();
        long usedFull = pool.status().dataBlocksUsed();
        long fileFull = FuseHost.allocatedBytes(poolDir.resolve("data"));
        Files.delete(m.dir().resolve("big"));
        ok(ExternalTool.run("sync"));
        ExternalTool.Result trim = ExternalTool.run("fstrim", m.dir().toString());
        pool.commit();
        long freedBlocks = usedFull - pool.status().dataBlocksUsed();
        long shrunkBytes = fileFull - FuseHost.allocatedBytes(poolDir.resolve("data"));
        long fiftyMiBBlocks = (50 * MIB) / pool.dataBlockSizeBytes();
        switch (mode) {
          case PASSDOWN -> {
            ok(trim);
            assertThat(freedBlocks).isGreaterThanOrEqualTo(fiftyMiBBlocks * 9 / 10);
            assertThat(shrunkBytes).isGreaterThanOrEqualTo(45 * MIB);
          }
          case NOPASSDOWN -> {
            ok(trim);
            assertThat(freedBlocks).isGreaterThanOrEqualTo(fiftyMiBBlocks * 9 / 10);
            assertThat(shrunkBytes).isLessThan(MIB);
          }
          case IGNORE -> {
            assertThat(trim.exitCode()).as(trim.all()).isNotZero();
            assertThat(freedBlocks).isLessThanOrEqualTo(0); // ext4 may write metadata meanwhile
            assertThat(shrunkBytes).isLessThan(MIB);
          }
        }
      }
      ok(ExternalTool.run("e2fsck", "-fn", dev.toString()));
    }
    ok(ExternalTool.run("thin_check", poolDir.resolve("metadata").toString()));
  }
}

package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.allocatedBytes;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.DeviceIoException;
import org.thinpool.io.RawBlockDevice;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.LoopDevices;

/** Direct mode (issue 3, item 1): a pool on two block devices, here real loop devices. */
class DirectModeTest {
  @TempDir Path tmp;

  private Path sparseFile(String name, long sizeBytes) throws IOException {
    Path f = tmp.resolve(name);
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(sizeBytes);
    }
    return f;
  }

  @Test
  void sizeComesFromBlkGetSize64BecauseFileChannelSizeIsZero() throws IOException {
    try (LoopDevices loops = new LoopDevices()) {
      Path dev = loops.attach(sparseFile("d.img", 48 * MIB));
      assertThat(RawBlockDevice.isBlockDevice(dev)).isTrue();
      assertThat(RawBlockDevice.sizeBytesOf(dev)).isEqualTo(48 * MIB);
      try (FileChannel ch = FileChannel.open(dev, StandardOpenOption.READ)) {
        // Recorded so a JDK change is noticed: either answer is fine for RawBlockDevice.
        System.err.println("FileChannel.size() of " + dev + " = " + ch.size());
      }
      assertThatThrownBy(() -> RawBlockDevice.open(tmp.resolve("d.img")))
          .isInstanceOf(DeviceIoException.class)
          .hasMessageContaining("not a block device");
    }
  }

  @Test
  void poolOnTwoLoopDevicesReopensAndPassdownFreesBlocksInTheBackingFile() throws IOException {
    Path metaImg = sparseFile("meta.img", 8 * MIB);
    Path dataImg = sparseFile("data.img", 64 * MIB);
    Path dir = tmp.resolve("pool");
    byte[] data = bytes(7, (int) (16 * MIB) + 12_345);
    try (LoopDevices loops = new LoopDevices()) {
      Path metaDev = loops.attach(metaImg);
      Path dataDev = loops.attach(dataImg);
      try (ThinPool pool =
          ThinPool.createDirect(dir, metaDev, dataDev, PoolOptions.ofDataSize(64 * MIB))) {
        assertThat(pool.status().dataBlocksTotal()).isEqualTo(1024);
        pool.createThin(1, 32 * MIB).write(4096, data);
        pool.createSnapshot(2, 1);
      }
      assertThat(Files.exists(dir.resolve("metadata"))).isFalse();
      assertThat(ThinPool.metadataPath(dir)).isEqualTo(metaDev.toAbsolutePath());
      thinCheckClean(metaDev);
      long before = allocatedBytes(dataImg);
      assertThat(before).isGreaterThanOrEqualTo(16 * MIB);
      try (ThinPool pool = ThinPool.open(dir)) {
        assertThat(read(pool.device(1), 4096, data.length)).isEqualTo(data);
        pool.delete(1);
        assertThat(read(pool.device(2), 4096, data.length)).isEqualTo(data); // still shared
        assertThat(allocatedBytes(dataImg)).isGreaterThanOrEqualTo(16 * MIB);
        pool.delete(2); // passdown: BLKDISCARD of the freed blocks
        assertThat(pool.status().dataBlocksUsed()).isZero();
      }
      thinCheckClean(metaDev);
      assertThat(allocatedBytes(dataImg)).isLessThan(MIB).isLessThan(before);
    }
  }

  @Test
  void nopassdownKeepsTheBlocksInTheBackingFileAndCreateRefusesAnExistingPool() throws IOException {
    Path dataImg = sparseFile("data.img", 32 * MIB);
    Path dir = tmp.resolve("pool");
    try (LoopDevices loops = new LoopDevices()) {
      Path metaDev = loops.attach(sparseFile("meta.img", 4 * MIB));
      Path dataDev = loops.attach(dataImg);
      PoolOptions options =
          PoolOptions.ofDataSize(32 * MIB).withDiscardMode(DiscardMode.NOPASSDOWN);
      try (ThinPool pool = ThinPool.createDirect(dir, metaDev, dataDev, options)) {
        pool.createThin(1, 8 * MIB).write(0, bytes(1, (int) (4 * MIB)));
        pool.commit();
        pool.delete(1);
      }
      assertThat(allocatedBytes(dataImg)).isGreaterThanOrEqualTo(4 * MIB);
      assertThatThrownBy(() -> ThinPool.createDirect(dir, metaDev, dataDev, options))
          .hasMessageContaining("already exists");
      assertThatThrownBy(
              () -> ThinPool.createDirect(tmp.resolve("other"), dataDev, dataDev, options))
          .hasMessageContaining("both");
      assertThatThrownBy(
              () ->
                  ThinPool.createDirect(
                      tmp.resolve("big"), metaDev, dataDev, PoolOptions.ofDataSize(64 * MIB)))
          .hasMessageContaining("holds");
      thinCheckClean(metaDev);
    }
  }

  /**
   * Issue 8 items 2 and 5: a second pool folder naming the same devices cannot open them while
   * another process holds the pool (O_EXCL on the metadata device), and export refuses to write
   * over the pool's devices, whatever node names them.
   */
  @Test
  void theMetadataDeviceIsClaimedExclusivelyAndNeverAnOutput() throws Exception {
    Path dir = tmp.resolve("pool");
    try (LoopDevices loops = new LoopDevices()) {
      Path metaDev = loops.attach(sparseFile("meta.img", 8 * MIB));
      Path dataDev = loops.attach(sparseFile("data.img", 32 * MIB));
      try (ThinPool pool =
          ThinPool.createDirect(dir, metaDev, dataDev, PoolOptions.ofDataSize(32 * MIB))) {
        pool.createThin(1, 4 * MIB).write(0, bytes(2, 100_000));
      }
      Path twin = Files.createDirectories(tmp.resolve("twin"));
      Files.copy(dir.resolve("pool.conf"), twin.resolve("pool.conf"));
      Files.copy(dir.resolve("sizes"), twin.resolve("sizes"));
      try (Holder a = Holder.start(tmp, "hold", dir, 0)) {
        assertThatThrownBy(() -> ThinPool.open(twin).close())
            .isInstanceOf(DeviceIoException.class)
            .hasMessageContaining(metaDev.toString())
            .hasMessageContaining("busy");
      }
      Path alias = Files.createSymbolicLink(tmp.resolve("alias"), metaDev);
      for (Path out : new Path[] {metaDev, dataDev, alias}) {
        ChildJvm.Result r =
            ChildJvm.runCli(tmp, "--pool", dir.toString(), "export", "1", out.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("refusing to write to " + out + ": it is the pool's device");
      }
      thinCheckClean(metaDev);
      try (ThinPool pool = ThinPool.open(twin)) {
        assertThat(read(pool.device(1), 0, 100_000)).isEqualTo(bytes(2, 100_000));
      }
    }
  }

  @Test
  void exportRefusesALoopDeviceOverTheLoopPoolsOwnFiles() throws Exception {
    Path dir = tmp.resolve("pool");
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      pool.createThin(1, 4 * MIB).write(0, bytes(3, 10_000));
    }
    byte[] before = Files.readAllBytes(dir.resolve("data"));
    try (LoopDevices loops = new LoopDevices()) {
      Path overData = loops.attach(dir.resolve("data"));
      ChildJvm.Result r =
          ChildJvm.runCli(tmp, "--pool", dir.toString(), "export", "1", overData.toString());
      assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
      assertThat(r.err()).contains("it is a loop device over the pool's data");
    }
    assertThat(Files.readAllBytes(dir.resolve("data"))).isEqualTo(before);
  }

  private static void thinCheckClean(Path metadata) throws IOException {
    ExternalTool.Result r = ExternalTool.run("thin_check", metadata.toString());
    assertThat(r.exitCode()).as("thin_check: %s", r.all()).isZero();
  }
}

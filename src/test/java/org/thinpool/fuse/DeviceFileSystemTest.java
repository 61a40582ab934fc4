package org.thinpool.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinDevice;
import org.thinpool.pool.ThinPool;
import org.thinpool.testing.FuseHost;

/**
 * The file system through the real kernel: files of the device's size whose bytes are the device's,
 * open counts, release, resize, unmount. Needs root and /dev/fuse ({@link FuseHost}).
 */
class DeviceFileSystemTest {
  static final long MIB = 1 << 20;

  @TempDir Path tmp;

  @Test
  void aFileReadsAndWritesTheDevicesBytes() throws Exception {
    FuseHost.require();
    byte[] data = new byte[(int) (3 * MIB + 1234)];
    new Random(7).nextBytes(data);
    try (ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(64 * MIB));
        DeviceFileSystem fs = DeviceFileSystem.mount(tmp.resolve("mnt"), pool)) {
      ThinDevice dev = pool.createThin(5, 16 * MIB);
      Path file = fs.expose(5);
      assertThat(file).isEqualTo(tmp.resolve("mnt").resolve("5"));
      assertThat(Files.size(file)).isEqualTo(16 * MIB);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(data), 4096 + 17);
        ch.force(true);
      }
      byte[] back = new byte[data.length];
      dev.read(4096 + 17, back);
      assertThat(back).isEqualTo(data);
      dev.write(MIB, new byte[] {1, 2, 3});
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        ByteBuffer b = ByteBuffer.allocate(3);
        ch.read(b, MIB);
        assertThat(b.array()).containsExactly(1, 2, 3);
        ByteBuffer tail = ByteBuffer.allocate(10);
        assertThat(ch.read(tail, 16 * MIB - 4)).isEqualTo(4);
        assertThat(ch.read(ByteBuffer.allocate(10), 16 * MIB)).isEqualTo(-1);
      }
    }
  }

  @Test
  void openFilesCountAsInUseAndReleaseHidesTheName() throws Exception {
    FuseHost.require();
    try (ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(64 * MIB));
        DeviceFileSystem fs = DeviceFileSystem.mount(tmp.resolve("mnt"), pool)) {
      pool.createThin(1, 4 * MIB);
      pool.createThin(2, 4 * MIB);
      Path one = fs.expose(1);
      assertThat(fs.expose(1)).isEqualTo(one);
      fs.expose(2);
      try (Stream<Path> s = Files.list(fs.mountPoint())) {
        assertThat(s.map(p -> p.getFileName().toString())).containsExactly("1", "2");
      }
      assertThat(fs.inUse(1)).isFalse();
      try (FileChannel ch = FileChannel.open(one, StandardOpenOption.READ)) {
        assertThat(fs.inUse(1)).isTrue();
        assertThat(fs.inUse(2)).isFalse();
        fs.release(1);
        assertThat(one).doesNotExist();
        assertThat(ch.read(ByteBuffer.allocate(512), 0)).isEqualTo(512); // still open: works
        assertThat(fs.inUse(1)).isTrue();
      }
      FuseHost.awaitTrue(() -> !fs.inUse(1)); // the kernel sends RELEASE after close returns
      assertThatThrownBy(() -> fs.expose(9)).isInstanceOf(IOException.class);
    }
  }

  @Test
  void theFileSizeFollowsAResize() throws Exception {
    FuseHost.require();
    try (ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(64 * MIB));
        DeviceFileSystem fs = DeviceFileSystem.mount(tmp.resolve("mnt"), pool)) {
      pool.createThin(3, 4 * MIB);
      Path f = fs.expose(3);
      assertThat(Files.size(f)).isEqualTo(4 * MIB);
      pool.resize(3, 40 * MIB);
      assertThat(Files.size(f)).isEqualTo(40 * MIB);
      pool.resize(3, 2 * MIB);
      assertThat(Files.size(f)).isEqualTo(2 * MIB);
    }
  }

  @Test
  void unsupportedOperationsFailAndTruncateCannotResize() throws Exception {
    FuseHost.require();
    try (ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(64 * MIB));
        DeviceFileSystem fs = DeviceFileSystem.mount(tmp.resolve("mnt"), pool)) {
      pool.createThin(3, 4 * MIB);
      Path f = fs.expose(3);
      assertThatThrownBy(() -> Files.createDirectory(fs.mountPoint().resolve("d")))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("Function not implemented");
      assertThatThrownBy(() -> Files.delete(f)).isInstanceOf(IOException.class);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        assertThatThrownBy(() -> ch.truncate(MIB)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(10), 4 * MIB))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("No space");
      }
      assertThat(Files.size(f)).isEqualTo(4 * MIB);
      assertThat(Files.getFileStore(f).getTotalSpace()).isEqualTo(64 * MIB);
    }
  }

  @Test
  void closeUnmounts() throws Exception {
    FuseHost.require();
    Path mnt = tmp.resolve("mnt");
    try (ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(64 * MIB))) {
      DeviceFileSystem fs = DeviceFileSystem.mount(mnt, pool);
      assertThat(MountTable.at(mnt))
          .extracting(MountTable.Mount::fsType)
          .containsExactly("fuse.thinpool");
      fs.close();
      assertThat(MountTable.at(mnt)).isEmpty();
      fs.close();
    }
  }

  @Test
  void closeWithAFileOpenDetachesLazilyAndServesItsLastUser() throws Exception {
    FuseHost.require();
    Path mnt = tmp.resolve("mnt");
    try (ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(64 * MIB))) {
      pool.createThin(1, 4 * MIB).write(8192, new byte[] {7});
      DeviceFileSystem fs = DeviceFileSystem.mount(mnt, pool);
      try (FileChannel ch = FileChannel.open(fs.expose(1), StandardOpenOption.READ)) {
        fs.close(); // busy: detached lazily
        assertThat(MountTable.at(mnt)).isEmpty();
        ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, 8192);
        assertThat(b.get(0)).isEqualTo((byte) 7);
        assertThat(fs.awaitReadersStopped(0)).isFalse();
      }
      assertThat(fs.awaitReadersStopped(30_000)).isTrue();
    }
  }

  @Test
  void parallelWritersAndReadersEachSeeTheirOwnBytes() throws Exception {
    FuseHost.require();
    int threads = 6;
    try (ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(256 * MIB));
        DeviceFileSystem fs = DeviceFileSystem.mount(tmp.resolve("mnt"), pool, 4)) {
      pool.createThin(1, 64 * MIB);
      Path f = fs.expose(1);
      java.util.List<java.util.concurrent.Future<?>> jobs = new java.util.ArrayList<>();
      try (var exec = java.util.concurrent.Executors.newFixedThreadPool(threads)) {
        for (int t = 0; t < threads; t++) {
          int me = t;
          jobs.add(
              exec.submit(
                  () -> {
                    byte[] mine = new byte[(int) (3 * MIB + 777)];
                    new Random(me).nextBytes(mine);
                    long at = 10L * me * MIB + 513;
                    try (FileChannel ch =
                        FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                      for (int round = 0; round < 5; round++) {
                        ch.write(ByteBuffer.wrap(mine), at);
                        ByteBuffer back = ByteBuffer.allocate(mine.length);
                        while (back.hasRemaining()) {
                          ch.read(back, at + back.position());
                        }
                        assertThat(back.array()).isEqualTo(mine);
                      }
                    }
                    return null;
                  }));
        }
        for (var j : jobs) {
          j.get();
        }
      }
    }
  }
}

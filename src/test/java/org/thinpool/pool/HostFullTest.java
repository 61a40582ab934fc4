package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.thinpool.pool.PoolAssertions.KIB;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.allocatedBytes;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.filled;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.testing.CrashDevice;
import org.thinpool.testing.ExternalTool;

/**
 * The host filesystem fills up (issue 8, item 12): on a real 4 MiB tmpfs, and through injected
 * faults. A write the host refuses fails that request with ENOSPC naming the file; the block it
 * took is returned and punched; the pool stays usable once room is made and reopens at its last
 * commit.
 */
class HostFullTest {
  private static final int BLOCK = (int) (64 * KIB);

  @TempDir Path tmp;
  private Path mount;

  @AfterEach
  void unmount() throws IOException {
    if (mount != null) {
      run(List.of("umount", mount.toString()));
    }
  }

  /** A size-limited tmpfs under the temp dir; fails under CI if it cannot be mounted. */
  private Path smallFilesystem(String size) throws IOException {
    Path m = tmp.resolve("mnt");
    Files.createDirectories(m);
    int rc = run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", m.toString()));
    if (rc != 0) {
      String msg = "cannot mount a tmpfs (needs root)";
      if (ExternalTool.underCi()) {
        fail(msg + ": required under CI");
      }
      System.err.println("SKIPPING: " + msg);
      Assumptions.abort(msg);
    }
    mount = m;
    return m;
  }

  private static int run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(cmd + " did not finish");
      }
      if (p.exitValue() != 0) {
        System.err.println(cmd + ": " + out);
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** Writes a file until the filesystem refuses more. */
  private static void fillUp(Path filler) throws IOException {
    try (FileChannel ch =
        FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer chunk = ByteBuffer.allocate(4096);
      while (true) {
        chunk.clear();
        ch.write(chunk);
      }
    } catch (IOException e) {
      assertThat(e.getMessage()).contains("No space left");
    }
  }

  @Test
  void aFullHostFailsTheRequestWithEnospcAndThePoolCarriesOnOnceRoomIsMade() throws IOException {
    Path fs = smallFilesystem("4m");
    Path dir = fs.resolve("pool");
    Path data = dir.resolve(ThinPool.DATA_FILE);
    Path meta = dir.resolve(ThinPool.METADATA_FILE);
    Path filler = fs.resolve("filler");
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      ThinDevice dev = pool.createThin(1, 16 * MIB);
      for (int b = 0; b < 8; b++) {
        dev.write((long) b * BLOCK, filled(BLOCK, b + 1));
      }
      dev.flush();
      long allocated = allocatedBytes(data);
      fillUp(filler);

      assertThatThrownBy(() -> dev.write(8L * BLOCK, filled(BLOCK, 9)))
          .isInstanceOf(OutOfSpaceException.class)
          .hasMessageContaining(data.toString());
      assertThatThrownBy(() -> dev.write(9L * BLOCK + 4096, filled(4096, 10)))
          .as("a partial write, filled around with zeros")
          .isInstanceOf(OutOfSpaceException.class)
          .hasMessageContaining(data.toString());
      assertThat(pool.status().mode()).isEqualTo(PoolMode.READ_WRITE);
      assertThat(pool.status().dataBlocksUsed()).as("the blocks taken are returned").isEqualTo(8);
      assertThat(allocatedBytes(data)).as("and punched").isEqualTo(allocated);
      assertThat(dev.isMapped(8)).isFalse();
      // Device changes until one finds no room in the metadata file (the first ones may reuse
      // metadata blocks freed before, which hold their space already).
      long id = 100;
      OutOfSpaceException refused = null;
      while (refused == null && id < 400) {
        try {
          pool.createThin(id, MIB);
          id++;
        } catch (OutOfSpaceException e) {
          refused = e;
        }
      }
      assertThat(refused)
          .as("a device change the metadata file has no room for")
          .isNotNull()
          .hasMessageContaining(meta.toString());
      assertThat(pool.deviceIds()).doesNotContain(id).contains(1L);
      assertThat(pool.status().mode()).isEqualTo(PoolMode.READ_WRITE);

      Files.delete(filler); // room is made
      dev.write(8L * BLOCK, filled(BLOCK, 9));
      pool.createThin(2, MIB).write(0, filled(BLOCK, 20));
      pool.createThin(id, MIB);
      dev.flush();
    }
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      for (int b = 0; b < 9; b++) {
        assertThat(read(pool.device(1), (long) b * BLOCK, BLOCK)).isEqualTo(filled(BLOCK, b + 1));
      }
      assertThat(read(pool.device(2), 0, BLOCK)).isEqualTo(filled(BLOCK, 20));
    }
  }

  @Test
  void aCommitOnAFullHostLeavesThePoolAtItsLastCommit() throws IOException {
    Path fs = smallFilesystem("4m");
    Path dir = fs.resolve("pool");
    Path filler = fs.resolve("filler");
    int devices = 24;
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      ThinDevice dev = pool.createThin(1, 16 * MIB);
      dev.write(0, filled(BLOCK, 1));
      for (long id = 2; id <= devices; id++) {
        pool.createThin(id, MIB);
      }
      dev.flush();
      long allocated = allocatedBytes(dir.resolve(ThinPool.DATA_FILE));
      for (long id = 2; id <= devices; id++) { // a new leaf for each device at the commit
        pool.device(id).write(0, filled(BLOCK, (int) id));
      }
      fillUp(filler); // the data blocks have their space; the next commit's metadata has not
      assertThatThrownBy(dev::flush)
          .isInstanceOf(OutOfSpaceException.class)
          .hasMessageContaining(dir.resolve(ThinPool.METADATA_FILE).toString());
      assertThat(pool.status().mode()).isEqualTo(PoolMode.READ_ONLY);
      assertThat(allocatedBytes(dir.resolve(ThinPool.DATA_FILE)))
          .as("the aborted transaction's blocks are punched")
          .isEqualTo(allocated);
    }
    Files.delete(filler);
    assertMetadataClean(dir);
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.status().mode()).isEqualTo(PoolMode.READ_WRITE);
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(1);
      assertThat(read(pool.device(1), 0, BLOCK)).isEqualTo(filled(BLOCK, 1));
      assertThat(read(pool.device(2), 0, BLOCK)).isEqualTo(new byte[BLOCK]);
      pool.device(1).write(BLOCK, filled(BLOCK, 2));
    }
    assertMetadataClean(dir);
  }

  /** The same through fault injection: the host refuses one data write (EIO, then ENOSPC). */
  @Test
  void anInjectedHostErrorOnTheDataFileFailsOnlyThatRequest() throws IOException {
    for (CrashDevice.Fault fault : List.of(CrashDevice.Fault.EIO, CrashDevice.Fault.ENOSPC)) {
      Path dir = tmp.resolve("pool-" + fault);
      CrashDevice.FaultPlan plan = new CrashDevice.FaultPlan(2, fault, 1);
      PoolHooks hooks = failingData(plan);
      try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(4 * MIB), hooks)) {
        ThinDevice dev = pool.createThin(1, 4 * MIB);
        plan.arm();
        dev.write(0, filled(BLOCK, 1)); // data op 1
        assertThatThrownBy(() -> dev.write(BLOCK, filled(BLOCK, 2))) // data op 2
            .isInstanceOf(OutOfSpaceException.class)
            .hasMessageContaining(dir.resolve(ThinPool.DATA_FILE).toString());
        assertThat(plan.fired()).isTrue();
        assertThat(pool.status().dataBlocksUsed()).isEqualTo(1);
        assertThat(pool.status().mode()).isEqualTo(PoolMode.READ_WRITE);
        dev.write(BLOCK, filled(BLOCK, 2));
        dev.flush();
      }
      assertMetadataClean(dir);
      try (ThinPool pool = ThinPool.open(dir)) {
        assertThat(read(pool.device(1), 0, 2 * BLOCK))
            .isEqualTo(concat(filled(BLOCK, 1), filled(BLOCK, 2)));
        assertThat(pool.status().dataBlocksUsed()).isEqualTo(2);
      }
    }
  }

  /**
   * A copy-on-write whose data write the host refuses (its new block is mapped before the fill):
   * only that write fails, the snapshot shares the origin's block again, nothing stays allocated,
   * and the next write copies the block as if the first had not happened.
   */
  @Test
  void aRefusedCopyOnWriteLeavesTheSnapshotSharingTheOriginsBlock() throws IOException {
    for (CrashDevice.Fault fault : List.of(CrashDevice.Fault.EIO, CrashDevice.Fault.ENOSPC)) {
      Path dir = tmp.resolve("cow-" + fault);
      CrashDevice.FaultPlan plan = new CrashDevice.FaultPlan(1, fault, 1);
      PoolHooks hooks = failingData(plan);
      byte[] written = filled(BLOCK, 1);
      System.arraycopy(filled(4 * (int) KIB, 2), 0, written, 4 * (int) KIB, 4 * (int) KIB);
      try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(4 * MIB), hooks)) {
        ThinDevice origin = pool.createThin(1, 4 * MIB);
        origin.write(0, filled(BLOCK, 1));
        ThinDevice snap = pool.createSnapshot(2, 1);
        plan.arm();
        assertThatThrownBy(() -> snap.write(4 * KIB, filled(4 * (int) KIB, 2))) // data op 1
            .isInstanceOf(IOException.class)
            .hasMessageContaining(dir.resolve(ThinPool.DATA_FILE).toString());
        assertThat(plan.fired()).isTrue();
        assertThat(read(snap, 0, BLOCK)).isEqualTo(filled(BLOCK, 1));
        assertThat(pool.status().dataBlocksUsed()).isEqualTo(1);
        assertThat(pool.status().mode()).isEqualTo(PoolMode.READ_WRITE);
        snap.write(4 * KIB, filled(4 * (int) KIB, 2));
        assertThat(pool.status().dataBlocksUsed()).isEqualTo(2);
        snap.flush();
      }
      assertMetadataClean(dir);
      try (ThinPool pool = ThinPool.open(dir)) {
        assertThat(read(pool.device(1), 0, BLOCK)).isEqualTo(filled(BLOCK, 1));
        assertThat(read(pool.device(2), 0, BLOCK)).isEqualTo(written);
      }
    }
  }

  /** Hooks that put the data file (not the metadata) under {@code plan}. */
  private static PoolHooks failingData(CrashDevice.FaultPlan plan) {
    return PoolHooks.NONE.withDevices(
        PoolHooks.AS_IS, (path, dev) -> new CrashDevice(dev, path.toString(), plan, true));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}

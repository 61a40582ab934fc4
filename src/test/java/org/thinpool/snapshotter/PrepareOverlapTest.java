package org.thinpool.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;
import org.thinpool.testing.ExternalTool;

/**
 * Prepare writes its device and its record at the same time (item 10; item 4 must hold): the record
 * of a Prepare killed before its device was committed is dropped at the next start, and a Prepare
 * whose device fails takes its record back, so no record ever names a device that is not there.
 */
class PrepareOverlapTest {
  @TempDir Path tmp;

  /** Device files as plain files beside the pool: enough for mkfs of the base device. */
  private final class PlainFiles implements DeviceFiles {
    @Override
    public Path expose(long deviceId) throws IOException {
      Path f = tmp.resolve("file-" + deviceId);
      try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
        r.setLength(BASE_BYTES);
      }
      return f;
    }

    @Override
    public void release(long deviceId) {}

    @Override
    public boolean inUse(long deviceId) {
      return false;
    }

    @Override
    public void close() {}
  }

  static final long BASE_BYTES = 64L << 20;

  private Snapshotter open(ThinPool pool) throws IOException {
    return Snapshotter.open(
        pool,
        new PlainFiles(),
        tmp.resolve("state"),
        new Snapshotter.Options(BASE_BYTES, FsType.EXT4),
        InstantSource.system());
  }

  private TreeMap<String, SnapshotRecord> replay() throws IOException {
    TreeMap<String, SnapshotRecord> into = new TreeMap<>();
    RecordLog.open(tmp.resolve("state").resolve(Snapshotter.RECORDS_FILE), into).close();
    return into;
  }

  @Test
  void aRecordWhoseDeviceWasNeverCommittedIsDroppedAtStart() throws Exception {
    ExternalTool.require("mkfs.ext4");
    ExternalTool.require("debugfs");
    Path dir = tmp.resolve("pool");
    long ghostDevice;
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(1L << 30));
        Snapshotter s = open(pool)) {
      var _ = s.prepare("a", "", Map.of());
      ghostDevice = s.deviceIds().get("a") + 1;
    }
    // The state a kill leaves when the record reached the disk and the device's commit did not.
    try (RecordLog log =
        RecordLog.open(tmp.resolve("state").resolve(Snapshotter.RECORDS_FILE), new TreeMap<>())) {
      Instant t = Instant.now();
      log.append(
          RecordChange.put(
              new SnapshotRecord(
                  new SnapshotInfo("ghost", "", SnapshotKind.ACTIVE, Map.of(), t, t),
                  ghostDevice)));
    }
    assertThat(replay()).containsKeys("a", "ghost");
    try (ThinPool pool = ThinPool.open(dir);
        Snapshotter s = open(pool)) {
      assertThat(s.deviceIds()).containsOnlyKeys("a");
      var _ = s.prepare("b", "", Map.of()); // the dropped record's id is free again
      assertThat(pool.deviceIds()).contains(s.deviceIds().get("b"));
    }
    assertThat(replay()).containsOnlyKeys("a", "b");
  }

  @Test
  void aPrepareWhoseDeviceFailsTakesItsRecordBack() throws Exception {
    ExternalTool.require("mkfs.ext4");
    ExternalTool.require("debugfs");
    Path dir = tmp.resolve("pool");
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(1L << 30));
        Snapshotter s = open(pool)) {
      var _ = s.prepare("a", "", Map.of());
      pool.abandon("test: the pool refuses device changes from here");
      assertThatThrownBy(() -> s.prepare("b", "", Map.of())).isInstanceOf(IOException.class);
      assertThat(s.deviceIds()).containsOnlyKeys("a");
    }
    // the record was written with the device and taken back: not left for Reconcile to find
    assertThat(replay()).containsOnlyKeys("a");
  }
}

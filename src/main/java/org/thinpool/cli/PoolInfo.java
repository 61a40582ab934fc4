package org.thinpool.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.thinpool.pool.PoolStatus;
import org.thinpool.pool.ThinPool;
import org.thinpool.snapshotter.SnapshotInfo;
import org.thinpool.snapshotter.Snapshotter;
import org.thinpool.thin.DeviceUsage;

/**
 * What {@code thinpool info} shows: the fields {@code docker info} showed for its devicemapper
 * storage driver, in its order, plus every thin device's exclusive and shared space (which no
 * driver showed) and, for a snapshotter's pool, the snapshot each device holds.
 *
 * @param baseDeviceSizeBytes the snapshotter's base device size, empty without a snapshotter
 * @param backingFilesystem the base device's file system, empty without a snapshotter
 * @param dataAvailableBytes free data space; in loop mode no more than the host file system holds
 *     for the sparse data file to grow into (Docker's loop-mode rule)
 * @param minFreeSpacePercent the minimum below which new devices or snapshots are refused
 * @param deferredRemoval whether removals of devices in use complete later (the snapshotter's)
 * @param deferredDeletedDeviceCount removals waiting for their device to be released
 */
record PoolInfo(
    Path pool,
    long blockSizeBytes,
    OptionalLong baseDeviceSizeBytes,
    Optional<String> backingFilesystem,
    Path dataFile,
    Path metadataFile,
    long dataUsedBytes,
    long dataTotalBytes,
    long dataAvailableBytes,
    long metadataUsedBytes,
    long metadataTotalBytes,
    long metadataAvailableBytes,
    int minFreeSpacePercent,
    boolean deferredRemoval,
    long deferredDeletedDeviceCount,
    List<Device> devices) {
  static final long METADATA_BLOCK_BYTES = 4096;

  PoolInfo {
    devices = List.copyOf(devices);
  }

  /** One thin device, and the snapshot it holds if a snapshotter names it. */
  record Device(
      long id,
      long sizeBytes,
      long exclusiveBytes,
      long sharedBytes,
      Optional<String> snapshot,
      Optional<String> kind,
      Optional<String> parent) {}

  /** What a snapshotter adds: its base device and the snapshot of each device it names. */
  record Snapshots(
      long baseDeviceSizeBytes,
      String backingFilesystem,
      int minFreeSpacePercent,
      long deferredDeletedDeviceCount,
      Map<Long, Device> byDevice) {
    /** What {@code s} knows now: its base device and the snapshot each device holds. */
    static Snapshots of(Snapshotter s) throws IOException {
      Map<Long, Device> byDevice = new HashMap<>();
      Map<String, Long> ids = s.deviceIds();
      for (SnapshotInfo i : s.list(List.of())) {
        Long id = ids.get(i.name());
        if (id != null) {
          String kind = i.kind().name().toLowerCase(Locale.ROOT);
          byDevice.put(
              id,
              new Device(
                  id, 0, 0, 0, Optional.of(i.name()), Optional.of(kind), Optional.of(i.parent())));
        }
      }
      byDevice.put(
          s.baseDeviceId(),
          new Device(
              s.baseDeviceId(), 0, 0, 0, Optional.empty(), Optional.of("base"), Optional.empty()));
      return new Snapshots(
          s.baseSizeBytes(),
          s.fs().type(),
          s.minFreeSpacePercent(),
          s.deferredRemovalCount(),
          byDevice);
    }
  }

  /** Gathers the pool's figures now; {@code snapshots} fills in the snapshotter's fields. */
  static PoolInfo of(ThinPool pool, Optional<Snapshots> snapshots) throws IOException {
    PoolStatus s = pool.status();
    Path dir = pool.directory();
    long bs = s.dataBlockSizeBytes();
    Path data = ThinPool.dataPath(dir);
    long free = (s.dataBlocksTotal() - s.dataBlocksUsed()) * bs;
    if (!ThinPool.isDirect(dir)) {
      long sparseRoom = Files.getFileStore(data).getUsableSpace();
      free = Math.min(free, sparseRoom);
    }
    List<Device> devices = new ArrayList<>();
    for (long id : pool.deviceIds()) {
      DeviceUsage u = pool.usage(id);
      Device named = snapshots.map(x -> x.byDevice().get(id)).orElse(null);
      devices.add(
          new Device(
              id,
              pool.device(id).sizeBytes(),
              u.exclusiveBlocks() * bs,
              u.sharedBlocks() * bs,
              named == null ? Optional.empty() : named.snapshot(),
              named == null ? Optional.empty() : named.kind(),
              named == null ? Optional.empty() : named.parent()));
    }
    return new PoolInfo(
        dir,
        bs,
        snapshots.map(x -> OptionalLong.of(x.baseDeviceSizeBytes())).orElse(OptionalLong.empty()),
        snapshots.map(Snapshots::backingFilesystem),
        data,
        ThinPool.metadataPath(dir),
        s.dataBlocksUsed() * bs,
        s.dataBlocksTotal() * bs,
        free,
        s.metadataBlocksUsed() * METADATA_BLOCK_BYTES,
        s.metadataBlocksTotal() * METADATA_BLOCK_BYTES,
        (s.metadataBlocksTotal() - s.metadataBlocksUsed()) * METADATA_BLOCK_BYTES,
        snapshots.map(Snapshots::minFreeSpacePercent).orElse(pool.minFreeSpacePercent()),
        snapshots.isPresent(),
        snapshots.map(Snapshots::deferredDeletedDeviceCount).orElse(0L),
        devices);
  }

  /** The space below which new devices are refused: the percent of the data space, in bytes. */
  long minFreeSpaceBytes() {
    return dataTotalBytes * minFreeSpacePercent / 100;
  }
}

package org.thinpool.snapshotter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import org.thinpool.pool.ThinPool;

/**
 * The label {@value #LABEL} on Prepare: the container gets a device of that size instead of its
 * parent's, with its file system grown to fill it before the mounts are returned (Docker's users
 * asked for containers larger than {@code dm.basesize}; devicemapper never gave them). A size is a
 * whole number of bytes with an optional binary suffix (k, M, G, T; "20G" is 20 GiB, as Docker's
 * {@code --storage-opt size}), rounded up to 4 KiB, the file systems' block size. Smaller than the
 * parent's size is refused: shrinking would cut off the parent's file system.
 */
final class SizeLabel {
  static final String LABEL = "thinpool.io/size";

  /** ext4 and xfs grow in whole 4 KiB blocks. */
  static final long ALIGN_BYTES = 4096;

  private SizeLabel() {}

  /** The size the labels ask for, if they carry {@value #LABEL}. */
  static OptionalLong parse(Map<String, String> labels) throws SnapshotterException {
    String v = labels.get(LABEL);
    if (v == null) {
      return OptionalLong.empty();
    }
    String s = v.strip().toLowerCase(Locale.ROOT);
    s = s.endsWith("ib") ? s.substring(0, s.length() - 2) : s;
    s = s.endsWith("b") ? s.substring(0, s.length() - 1) : s;
    int shift = 0;
    if (!s.isEmpty() && "kmgt".indexOf(s.charAt(s.length() - 1)) >= 0) {
      shift = 10 * (1 + "kmgt".indexOf(s.charAt(s.length() - 1)));
      s = s.substring(0, s.length() - 1);
    }
    long n;
    try {
      n = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw SnapshotterException.invalidArgument(
          "label " + LABEL + "=" + v + ": not a size (e.g. 20G, 512M, 1073741824)");
    }
    if (n <= 0 || n > (ThinPool.MAX_THIN_SIZE_BYTES >> shift)) {
      throw SnapshotterException.invalidArgument(
          "label " + LABEL + "=" + v + ": size out of range (1 byte to 1 EiB)");
    }
    long bytes = n << shift;
    return OptionalLong.of((bytes + ALIGN_BYTES - 1) / ALIGN_BYTES * ALIGN_BYTES);
  }

  /**
   * Grows device {@code deviceId} (a new snapshot, mounted by no one) to {@code sizeBytes} and its
   * file system to fill it. The device's file is exposed again after the resize (an exposure may
   * keep the size it started with). ext4 grows offline (e2fsck, resize2fs on the file); xfs only
   * grows mounted, so it is mounted on a private folder, grown (xfs_growfs) and unmounted.
   */
  static void grow(ThinPool pool, DeviceFiles files, long deviceId, FsType fs, long sizeBytes)
      throws IOException {
    long old = pool.device(deviceId).sizeBytes();
    if (sizeBytes < old) {
      throw SnapshotterException.invalidArgument(
          "label "
              + LABEL
              + ": "
              + sizeBytes
              + " bytes is smaller than the parent's "
              + old
              + " (snapshots cannot shrink)");
    }
    if (sizeBytes == old) {
      return;
    }
    files.release(deviceId);
    pool.resize(deviceId, sizeBytes);
    Path file = files.expose(deviceId);
    if (fs == FsType.XFS) {
      growXfsOnline(file);
    } else {
      // ext4 grows offline: its online grow (EXT4_IOC_RESIZE_FS) needs CAP_SYS_RESOURCE, which
      // containers and sandboxes often drop, and the snapshot is mounted by no one yet. resize2fs
      // wants a checked file system first; preen replays a journal the parent left (exit 1 =
      // fixed).
      BaseFormat.run(List.of("e2fsck", "-f", "-p", file.toString()), 1);
      BaseFormat.run(List.of("resize2fs", file.toString()), 0);
    }
    pool.commit();
  }

  private static void growXfsOnline(Path file) throws IOException {
    Path dir = Files.createTempDirectory("thinpool-grow");
    try {
      BaseFormat.run(
          List.of("mount", "-t", "xfs", "-o", "loop,nouuid", file.toString(), dir.toString()), 0);
      try {
        BaseFormat.run(List.of("xfs_growfs", dir.toString()), 0);
      } finally {
        BaseFormat.run(List.of("umount", dir.toString()), 0);
      }
    } finally {
      Files.deleteIfExists(dir);
    }
  }
}

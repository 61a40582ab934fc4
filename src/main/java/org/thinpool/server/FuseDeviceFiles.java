package org.thinpool.server;

import java.io.IOException;
import java.nio.file.Path;
import org.thinpool.fuse.DeviceFileSystem;
import org.thinpool.pool.ThinPool;
import org.thinpool.snapshotter.DeviceFiles;

/**
 * {@link DeviceFiles} by the in-process FUSE file system: the snapshotter's device files are {@code
 * DIR/<thin id>} of one {@link DeviceFileSystem} mounted at start (a stale mount of a killed server
 * is detached first) and unmounted by {@link #close}. No process, no NBD hop per device.
 */
final class FuseDeviceFiles implements DeviceFiles {
  /**
   * How long {@link #inUse} waits for files closed a moment ago: after an unmount the loop device
   * and then the kernel's FUSE RELEASE let go asynchronously, so a Remove right after containerd
   * unmounts would otherwise be refused as busy.
   */
  static final long RELEASE_GRACE_MILLIS = 2_000;

  private final DeviceFileSystem fs;

  FuseDeviceFiles(Path mountPoint, ThinPool pool) throws IOException {
    this.fs = DeviceFileSystem.mount(mountPoint, pool);
  }

  @Override
  public Path expose(long deviceId) throws IOException {
    return fs.expose(deviceId);
  }

  @Override
  public void release(long deviceId) {
    fs.release(deviceId);
  }

  @Override
  public boolean inUse(long deviceId) {
    try {
      return !fs.awaitIdle(deviceId, RELEASE_GRACE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fs.inUse(deviceId);
    }
  }

  @Override
  public void close() throws IOException {
    fs.close();
  }
}

package org.thinpool.fuse;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.thinpool.io.DeviceIoException;
import org.thinpool.pool.ThinPool;

/**
 * One FUSE file system, served by this process, that shows thin devices of a pool as regular files:
 * {@code MOUNTPOINT/<thin id>}, readable and writable, of the device's size, so the kernel can
 * loop-mount them ({@code mount -o loop,discard MOUNTPOINT/5 /mnt}). The file is the device: reads
 * and writes go to the pool, fsync commits it, a punched hole (a discard through the loop device)
 * unmaps the blocks as the pool's discard mode says.
 *
 * <p>Speaks the kernel's FUSE protocol on {@code /dev/fuse} itself and mounts with {@code
 * mount(2)}, both through FFM: no libfuse, no fusermount (needs root, or CAP_SYS_ADMIN).
 *
 * <p>Contract: {@link #mount} returns once the kernel has initialised the file system; {@link
 * #expose} is idempotent; {@link #release} takes the name away (a file still open, e.g. by a loop
 * device, keeps working until closed, as an unlinked file does); {@link #inUse} is true while any
 * open file refers to the device; {@link #close} unmounts, lazily if a file is still open (the
 * readers then serve until the last user lets go). A mount left by a killed server on the same
 * mount point is lazily unmounted by the next {@link #mount}. Thread-safe.
 */
public final class DeviceFileSystem implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(DeviceFileSystem.class.getName());

  /** Reader threads when the caller does not say. */
  public static final int DEFAULT_READER_THREADS = 4;

  /** How long mount waits for the kernel's INIT, and close for the readers to stop. */
  private static final long TIMEOUT_MILLIS = 30_000;

  private static final Path FUSE_DEVICE = Path.of("/dev/fuse");

  private final Path mountPoint;
  private final ThinPool pool;
  private final DeviceNodes nodes = new DeviceNodes();
  private final boolean everyDevice;
  private final CountDownLatch initialised = new CountDownLatch(1);
  private FuseSession session;
  private boolean closed;

  private DeviceFileSystem(Path mountPoint, ThinPool pool, boolean everyDevice) {
    this.everyDevice = everyDevice;
    this.mountPoint = mountPoint;
    this.pool = pool;
  }

  /** {@link #mount(Path, ThinPool, int)} with {@link #DEFAULT_READER_THREADS}. */
  public static DeviceFileSystem mount(Path mountPoint, ThinPool pool) throws IOException {
    return mount(mountPoint, pool, DEFAULT_READER_THREADS);
  }

  /**
   * Mounts an empty file system on {@code mountPoint} (made if missing) serving {@code pool} with
   * {@code readerThreads} threads (1..16). The pool stays the caller's: close this first.
   */
  public static DeviceFileSystem mount(Path mountPoint, ThinPool pool, int readerThreads)
      throws IOException {
    return mount(mountPoint, pool, readerThreads, false);
  }

  /**
   * As {@link #mount(Path, ThinPool, int)}; with {@code everyDevice} every device of the pool has
   * its file without {@link #expose}, the names following the pool as devices come and go ({@code
   * serve --fuse DIR}).
   */
  public static DeviceFileSystem mount(
      Path mountPoint, ThinPool pool, int readerThreads, boolean everyDevice) throws IOException {
    Path mp = mountPoint.toAbsolutePath().normalize();
    clearStaleMounts(mp);
    Files.createDirectories(mp);
    DeviceFileSystem fs = new DeviceFileSystem(mp, pool, everyDevice);
    fs.start(readerThreads);
    return fs;
  }

  private void start(int readerThreads) throws IOException {
    int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    int gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
    long now = Instant.now().getEpochSecond();
    RequestHandler handler =
        new RequestHandler(
            pool,
            nodes,
            uid,
            gid,
            now,
            new RequestHandler.SessionState() {
              @Override
              public void initialised() {
                initialised.countDown();
              }

              @Override
              public void destroyed() {}
            },
            everyDevice);
    int fd = FuseNative.openDevice(FUSE_DEVICE);
    String options =
        "fd="
            + fd
            + ",rootmode=40000,user_id="
            + uid
            + ",group_id="
            + gid
            + ",allow_other,default_permissions";
    try {
      FuseNative.mount(
          "thinpool",
          mountPoint,
          MountTable.FS_TYPE,
          FuseNative.MS_NOSUID | FuseNative.MS_NODEV,
          options);
    } catch (DeviceIoException e) {
      FuseNative.close(fd);
      throw e;
    }
    session = new FuseSession(fd, handler);
    session.start(readerThreads, "fuse-" + mountPoint.getFileName());
    awaitInit();
  }

  private void awaitInit() throws IOException {
    try {
      if (!initialised.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
        close();
        throw new DeviceIoException("the kernel did not initialise the FUSE mount " + mountPoint);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new DeviceIoException("interrupted while mounting " + mountPoint, e);
    }
  }

  /**
   * Lazily unmounts what a killed server of ours left on {@code mp} (a {@code fuse.thinpool} mount
   * nobody answers); refuses a mount point where anything else is mounted.
   */
  private static void clearStaleMounts(Path mp) throws IOException {
    for (MountTable.Mount m : MountTable.at(mp).reversed()) {
      if (!m.fsType().equals(MountTable.FS_TYPE)) {
        throw new DeviceIoException(
            mp + " already has a " + m.fsType() + " file system mounted on it");
      }
      int errno = FuseNative.umount2(mp, FuseNative.MNT_DETACH);
      if (errno != 0 && errno != FuseNative.EINVAL) {
        throw new DeviceIoException(
            "cannot unmount the stale FUSE mount on " + mp + ": errno " + errno);
      }
      LOG.log(Level.WARNING, "unmounted a stale thinpool FUSE mount on {0} (lazily)", mp);
    }
  }

  public Path mountPoint() {
    return mountPoint;
  }

  /** The file of thin device {@code deviceId}, exposed (idempotent); fails if there is none. */
  public Path expose(long deviceId) throws IOException {
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("FUSE file system on " + mountPoint + " is closed");
      }
    }
    nodes.expose(pool.device(deviceId));
    return file(deviceId);
  }

  /** Where device {@code deviceId}'s file is (or would be) shown. */
  public Path file(long deviceId) {
    return mountPoint.resolve(Long.toString(deviceId));
  }

  /** Stops showing the device's file; open files of it keep working until closed. */
  public void release(long deviceId) {
    nodes.release(deviceId);
  }

  /** True while any open file (a loop device, a process) refers to the device. */
  public boolean inUse(long deviceId) {
    return nodes.inUse(deviceId);
  }

  /**
   * Unmounts. With no file open the kernel ends the connection and every reader stops before this
   * returns; with a file still open (a loop device attached) the mount is detached lazily and the
   * readers serve its last user until it lets go. Idempotent.
   */
  @Override
  public void close() throws IOException {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (session == null) {
      return;
    }
    int errno = FuseNative.umount2(mountPoint, 0);
    if (errno == FuseNative.EBUSY) {
      errno = FuseNative.umount2(mountPoint, FuseNative.MNT_DETACH);
      LOG.log(Level.WARNING, "{0} is busy: unmounted lazily", mountPoint);
      return;
    }
    if (errno != 0 && errno != FuseNative.EINVAL) { // EINVAL: someone unmounted it already
      throw new DeviceIoException("umount of " + mountPoint + " failed: errno " + errno);
    }
    try {
      if (!session.awaitStopped(TIMEOUT_MILLIS)) {
        throw new DeviceIoException("FUSE readers of " + mountPoint + " did not stop");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeviceIoException("interrupted while unmounting " + mountPoint, e);
    }
  }

  /**
   * Waits up to {@code timeoutMillis} for the device's files to be closed; true if none is open.
   * The kernel sends a file's RELEASE after close(2) returns (and a loop device lets go of its file
   * after its detach returns), so a caller that just unmounted asks this rather than {@link
   * #inUse}.
   */
  public boolean awaitIdle(long deviceId, long timeoutMillis) throws InterruptedException {
    return nodes.awaitIdle(deviceId, timeoutMillis);
  }

  /** Waits for every reader thread to stop (after a lazy unmount: its last user let go). */
  boolean awaitReadersStopped(long timeoutMillis) throws InterruptedException {
    return session.awaitStopped(timeoutMillis);
  }

  @Override
  public String toString() {
    return "FUSE device files on " + mountPoint;
  }
}

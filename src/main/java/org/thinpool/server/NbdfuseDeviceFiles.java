package org.thinpool.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.thinpool.snapshotter.DeviceFiles;

/**
 * {@link DeviceFiles} by one {@code nbdfuse} process per exposed device: {@code DIR/ID/nbd} is a
 * FUSE file whose reads and writes are NBD requests to this process's own NBD server on a Unix
 * socket (export name = thin id). A stop-gap until the in-process FUSE file system: each exposure
 * costs a process and a FUSE mount. Mount points left by a killed server are unmounted at start.
 */
final class NbdfuseDeviceFiles implements DeviceFiles {
  private static final System.Logger LOG = System.getLogger(NbdfuseDeviceFiles.class.getName());

  /** Time for nbdfuse to connect and serve, or to exit once unmounted: generous, for CI. */
  static final long STEP_TIMEOUT_MILLIS = 30_000;

  /** Polling step while waiting for nbdfuse's pid file (waits on the process, not a sleep). */
  private static final long POLL_MILLIS = 5;

  private final Path dir;
  private final Path nbdSocket;
  private final Map<Long, Process> exposed = new HashMap<>();

  NbdfuseDeviceFiles(Path dir, Path nbdSocket) throws IOException {
    this.dir = dir;
    this.nbdSocket = nbdSocket;
    Files.createDirectories(dir);
    unmountLeftovers();
  }

  @Override
  public synchronized Path expose(long deviceId) throws IOException {
    Path mnt = dir.resolve(Long.toString(deviceId));
    Process p = exposed.get(deviceId);
    if (p != null && p.isAlive()) {
      return mnt.resolve("nbd");
    }
    Files.createDirectories(mnt);
    Path pidFile = dir.resolve(deviceId + ".pid");
    Files.deleteIfExists(pidFile);
    String uri = "nbd+unix:///" + deviceId + "?socket=" + nbdSocket.toAbsolutePath();
    p =
        new ProcessBuilder("nbdfuse", "-P", pidFile.toString(), mnt.toString(), uri)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(deviceId + ".log").toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STEP_TIMEOUT_MILLIS);
      while (!Files.exists(pidFile)) {
        if (p.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS) || System.nanoTime() > deadline) {
          p.destroy();
          throw new IOException(
              "nbdfuse for thin device " + deviceId + " did not start: " + log(deviceId));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroy();
      throw new IOException("interrupted while exposing thin device " + deviceId, e);
    }
    exposed.put(deviceId, p);
    return mnt.resolve("nbd");
  }

  @Override
  public synchronized void release(long deviceId) throws IOException {
    Process p = exposed.remove(deviceId);
    if (p == null) {
      return;
    }
    Path mnt = dir.resolve(Long.toString(deviceId));
    if (!unmount(mnt, false)) {
      unmount(mnt, true); // still open: detach now, nbdfuse exits once the last user closes
    }
    try {
      if (!p.waitFor(STEP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
        LOG.log(Level.WARNING, "nbdfuse of thin device {0} still running", deviceId);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Files.deleteIfExists(dir.resolve(deviceId + ".pid"));
    Files.deleteIfExists(dir.resolve(deviceId + ".log"));
    try {
      Files.deleteIfExists(mnt);
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "mount point {0} not removed: {1}", mnt, e.toString());
    }
  }

  /** A loop device attached to the file (what a mount of the snapshot holds). */
  @Override
  public boolean inUse(long deviceId) {
    String file = dir.resolve(Long.toString(deviceId)).resolve("nbd").toAbsolutePath().toString();
    try (DirectoryStream<Path> loops = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
      for (Path loop : loops) {
        Path backing = loop.resolve("loop/backing_file");
        if (Files.exists(backing)
            && Files.readString(backing, StandardCharsets.UTF_8).strip().equals(file)) {
          return true;
        }
      }
    } catch (IOException e) {
      return false; // no loop devices on this host
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    List<Long> ids;
    synchronized (this) {
      ids = new ArrayList<>(exposed.keySet());
    }
    for (long id : ids) {
      release(id);
    }
  }

  /** True if unmounted. Lazy: the mount goes now, the file lives until its last user closes. */
  private static boolean unmount(Path mnt, boolean lazy) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("fusermount3", "-u", "-q"));
    if (lazy) {
      cmd.add("-z");
    }
    cmd.add(mnt.toString());
    Process u = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (var in = u.getInputStream()) {
      in.readAllBytes();
    }
    try {
      return u.waitFor(STEP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS) && u.exitValue() == 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** FUSE mounts under DIR left by a server that was killed: unmounted (lazily), so ids reuse. */
  private void unmountLeftovers() throws IOException {
    String prefix = dir.toAbsolutePath() + "/";
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].startsWith(prefix)) {
        LOG.log(Level.INFO, "unmounting {0}, left by an earlier run", f[4]);
        unmount(Path.of(f[4]), true);
      }
    }
  }

  private String log(long deviceId) {
    try {
      return Files.readString(dir.resolve(deviceId + ".log"), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "(no log)";
    }
  }
}

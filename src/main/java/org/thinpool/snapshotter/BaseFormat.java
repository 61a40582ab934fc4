package org.thinpool.snapshotter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.thinpool.pool.ThinPool;

/** Makes the base device once: a thin device of the base size, formatted through its file. */
final class BaseFormat {
  /** mkfs of a 10 GiB device writes a few MB with lazy init; far less than this. */
  static final long MKFS_TIMEOUT_SECONDS = 600;

  private BaseFormat() {}

  static BaseDevice make(ThinPool pool, DeviceFiles files, long id, Snapshotter.Options options)
      throws IOException {
    pool.createThin(id, options.baseSizeBytes());
    try {
      Path file = files.expose(id);
      run(options.fs().mkfs(file));
      if (options.fs() == FsType.EXT4) {
        // containerd mounts layers on empty directories and compares them with what it wrote:
        // no lost+found (containerd's devmapper removes it too).
        run(List.of("debugfs", "-w", "-R", "rmdir lost+found", file.toString()));
      }
      files.release(id);
      pool.commit();
    } catch (IOException | RuntimeException e) {
      try {
        files.release(id);
        pool.delete(id);
      } catch (IOException x) {
        e.addSuppressed(x);
      }
      throw e;
    }
    return new BaseDevice(id, options.fs(), options.baseSizeBytes());
  }

  static void run(List<String> command) throws IOException {
    run(command, 0);
  }

  /** Runs a tool; an exit code above {@code maxOkExit} is an error carrying its output. */
  static void run(List<String> command, int maxOkExit) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out;
    try (var in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    try {
      if (!p.waitFor(MKFS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException(command.getFirst() + " interrupted", e);
    }
    if (p.exitValue() > maxOkExit) {
      throw new IOException(
          String.join(" ", command)
              + " failed ("
              + p.exitValue()
              + "): "
              + new String(out, StandardCharsets.UTF_8).strip());
    }
  }
}

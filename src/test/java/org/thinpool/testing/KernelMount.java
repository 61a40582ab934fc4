package org.thinpool.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.testing.ExternalTool.ok;

import containerd.types.MountOuterClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A kernel mount a test made with mount(8) on {@link #dir}; closing unmounts it. Mount points are
 * the test's own folders, and cleanup goes by that path only.
 */
public record KernelMount(Path dir) implements AutoCloseable {
  /** {@code mount -o OPTIONS SOURCE DIR} ({@code DIR} made if missing; the type is probed). */
  public static KernelMount of(Path source, Path dir, String options) throws IOException {
    return mount(dir, "-o", options, source.toString(), dir.toString());
  }

  /** {@code mount -t TYPE -o OPTIONS SOURCE DIR} ({@code DIR} made if missing). */
  public static KernelMount of(String type, Path source, Path dir, String options)
      throws IOException {
    return mount(dir, "-t", type, "-o", options, source.toString(), dir.toString());
  }

  /**
   * Mounts what a snapshotter's Prepare or View returned, as containerd does: one mount, its type
   * and options given to mount(8), which attaches the loop device the {@code loop} option asks for
   * (auto-cleared when unmounted).
   */
  public static KernelMount of(List<MountOuterClass.Mount> mounts, Path dir) throws IOException {
    assertThat(mounts).hasSize(1);
    MountOuterClass.Mount m = mounts.getFirst();
    String options = String.join(",", m.getOptionsList());
    return mount(dir, "-t", m.getType(), "-o", options, m.getSource(), dir.toString());
  }

  private static KernelMount mount(Path dir, String... args) throws IOException {
    Files.createDirectories(dir);
    ok(ExternalTool.run("mount", args));
    return new KernelMount(dir);
  }

  @Override
  public void close() throws IOException {
    ok(ExternalTool.run("umount", dir.toString()));
  }

  /**
   * Lazily detaches whatever is mounted on {@code dir}, if anything: what a failed test left (a
   * lazy unmount cannot fail on a busy or dead FUSE mount).
   */
  public static void detachIfMounted(Path dir) throws IOException {
    if (ExternalTool.run("mountpoint", "-q", dir.toString()).exitCode() == 0) {
      ExternalTool.run("umount", "-l", dir.toString());
    }
  }
}

package org.thinpool.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A private containerd for tests: its own config, root, state and sockets under one folder, a proxy
 * snapshotter plugin named {@value #SNAPSHOTTER} at a given socket, the CRI and the other optional
 * snapshotters off; started as a child process and stopped by its pid (SIGTERM). {@link #ctr} runs
 * Debian's {@code ctr} against it in namespace {@value #NAMESPACE}. Needs containerd, ctr, runc and
 * root; where any is missing the test fails under {@code CI=true} and is skipped loudly elsewhere.
 */
public final class Containerd implements AutoCloseable {
  public static final String SNAPSHOTTER = "thinpool";
  public static final String NAMESPACE = "thinpool-test";

  /** containerd answers on its socket within a second here; 60 s covers a loaded 2-core CI box. */
  private static final long START_SECONDS = 60;

  private final Process process;
  private final Path dir;
  private final Path socket;
  private final String ctr;

  private Containerd(Process process, Path dir, Path socket, String ctr) {
    this.process = process;
    this.dir = dir;
    this.socket = socket;
    this.ctr = ctr;
  }

  /**
   * Starts containerd with its state in {@code dir} (made if missing); {@code snapshotterSocket} is
   * where the {@value #SNAPSHOTTER} proxy plugin connects (containerd dials it on first use).
   */
  public static Containerd start(Path dir, Optional<Path> snapshotterSocket) throws IOException {
    String containerd = ExternalTool.require("containerd");
    String ctr = ExternalTool.require("ctr");
    ExternalTool.require("runc");
    ExternalTool.require("containerd-shim-runc-v2");
    requireRoot();
    Files.createDirectories(dir);
    Path socket = dir.resolve("containerd.sock");
    Path config = dir.resolve("config.toml");
    Files.writeString(config, config(dir, socket, snapshotterSocket), StandardCharsets.UTF_8);
    Process p =
        new ProcessBuilder(containerd, "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("containerd.log").toFile())
            .start();
    Containerd c = new Containerd(p, dir, socket, ctr);
    try {
      c.awaitReady();
      if (snapshotterSocket.isPresent()) {
        c.awaitSnapshotter();
      }
    } catch (IOException | RuntimeException | Error e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** containerd's config: the proxy plugin is the whole point, the rest keeps it private. */
  static String config(Path dir, Path socket, Optional<Path> snapshotterSocket) {
    StringBuilder s = new StringBuilder();
    s.append("version = 2\n")
        .append("root = \"")
        .append(dir.resolve("root"))
        .append("\"\n")
        .append("state = \"")
        .append(dir.resolve("state"))
        .append("\"\n")
        .append("disabled_plugins = [\"io.containerd.grpc.v1.cri\",")
        .append(" \"io.containerd.snapshotter.v1.aufs\", \"io.containerd.snapshotter.v1.btrfs\",")
        .append(
            " \"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\"]\n")
        .append("[grpc]\n  address = \"")
        .append(socket)
        .append("\"\n")
        .append("[ttrpc]\n  address = \"")
        .append(socket)
        .append(".ttrpc\"\n")
        .append("[debug]\n  address = \"\"\n")
        .append("[metrics]\n  address = \"\"\n");
    snapshotterSocket.ifPresent(
        sock ->
            s.append("[proxy_plugins.")
                .append(SNAPSHOTTER)
                .append("]\n  type = \"snapshot\"\n  address = \"")
                .append(sock)
                .append("\"\n"));
    return s.toString();
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
    while (true) {
      if (Files.exists(socket) && ctr("version").exitCode() == 0) {
        return;
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("containerd did not start:\n" + log());
      }
      sleep(100);
    }
  }

  /**
   * The first call through a new proxy connection can fail with "timed out waiting for server
   * handshake" while the snapshotter's JVM is cold; containerd then reconnects. Tests start once
   * that first connection is made.
   */
  private void awaitSnapshotter() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
    // Prepare reaches the snapshotter itself (ls and usage read containerd's own database).
    while (ctr("snapshots", "--snapshotter", SNAPSHOTTER, "prepare", "harness-warm-up", "")
            .exitCode()
        != 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("containerd cannot reach the snapshotter:\n" + log());
      }
      sleep(200);
    }
    ctrOk("snapshots", "--snapshotter", SNAPSHOTTER, "rm", "harness-warm-up");
  }

  /** {@code ctr --address SOCKET -n NAMESPACE ARGS...}. */
  public ExternalTool.Result ctr(String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of("--address", socket.toString(), "-n", NAMESPACE));
    all.addAll(List.of(args));
    return ExternalTool.runExecutable(ctr, all.toArray(String[]::new));
  }

  /** {@link #ctr} that must exit 0; returns its standard output. */
  public String ctrOk(String... args) throws IOException {
    ExternalTool.Result r = ctr(args);
    assertThat(r.exitCode())
        .as("ctr %s: %s\ncontainerd log:\n%s", List.of(args), r.all(), log())
        .isZero();
    return r.stdout();
  }

  /**
   * Imports an OCI image archive under {@code baseName} (e.g. localhost/busybox, giving
   * localhost/busybox:latest), unpacked into {@code snapshotter}'s snapshots.
   */
  public void importImage(Path archive, String baseName, String snapshotter) throws IOException {
    ctrOk(
        "image",
        "import",
        "--base-name",
        baseName,
        "--snapshotter",
        snapshotter,
        archive.toString());
  }

  public Path socket() {
    return socket;
  }

  public long pid() {
    return process.pid();
  }

  /** The end of containerd's log, for failure messages. */
  public String log() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("containerd.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /**
   * Removes every container of the namespace (its task killed first: shims outlive containerd),
   * then SIGTERM to containerd's pid, SIGKILL if it has not gone within 20 s.
   */
  @Override
  public void close() throws IOException {
    if (process.isAlive()) {
      for (String id : ctr("container", "ls", "-q").stdout().lines().toList()) {
        ctr("task", "rm", "-f", id.strip());
        ctr("container", "rm", id.strip());
      }
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static void requireRoot() throws IOException {
    String uid = ExternalTool.runExecutable("/usr/bin/id", "-u").stdout().strip();
    if (!"0".equals(uid)) {
      String msg = "containerd tests need root (containers mount their root file systems)";
      if (ExternalTool.underCi()) {
        throw new AssertionError(msg + ": required under CI");
      }
      System.err.println("SKIPPING: " + msg);
      Assumptions.abort(msg);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}

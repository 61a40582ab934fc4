package org.thinpool.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;
import org.thinpool.server.AutoextendService;
import org.thinpool.server.ControlService;
import org.thinpool.server.FuseService;
import org.thinpool.server.MetricsService;
import org.thinpool.server.NbdService;
import org.thinpool.server.Service;
import org.thinpool.server.SnapshotterService;
import org.thinpool.server.ThinpoolServer;
import org.thinpool.snapshotter.FsType;
import org.thinpool.snapshotter.Snapshotter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code thinpool serve}: the main job. Opens (or, if there is none, creates) the pool, serves
 * every thin device over NBD until SIGTERM or SIGINT, then drains, commits and exits 0.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serve the pool's thin devices over NBD (export name = thin id) until "
            + "SIGTERM/SIGINT. Creates a default pool with thin device 1 if there is none.")
final class ServeCommand implements Callable<Integer> {
  static final String DEFAULT_LISTEN = "127.0.0.1:10809";

  /** The default pool: a sparse 4 GiB data file and one 1 GiB thin device. */
  static final long DEFAULT_DATA_BYTES = 4L << 30;

  static final long DEFAULT_THIN_BYTES = 1L << 30;

  /** Longest wait of a signal for the drain and commit (NbdServer drains for up to 60 s). */
  static final Duration SHUTDOWN_WAIT = Duration.ofMinutes(2);

  @Spec CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "ADDR:PORT|none",
      description = "TCP address to listen on, or 'none'. Default: " + DEFAULT_LISTEN + ".")
  String listen = DEFAULT_LISTEN;

  @Option(
      names = "--socket",
      paramLabel = "PATH",
      description = "Also serve on this Unix-domain socket.")
  Path socket;

  @Option(names = "--read-only", description = "Refuse writes, trims and zeroing.")
  boolean readOnly;

  @Option(
      names = "--metrics",
      paramLabel = "ADDR:PORT",
      description = "Serve Prometheus metrics on http://ADDR:PORT/metrics.")
  String metrics;

  @Option(
      names = "--fuse",
      paramLabel = "DIR",
      description =
          "Also show every thin device as the file DIR/<thin id> (a FUSE file system served "
              + "by this process; loop-mountable). Needs root.")
  Path fuse;

  @Option(
      names = "--autoextend-threshold",
      paramLabel = "PCT",
      description =
          "Grow the data (and metadata) file when its usage reaches PCT percent "
              + "(LVM's thin_pool_autoextend_threshold; loop mode). Needs --autoextend-by.")
  Integer autoextendThreshold;

  @Option(
      names = "--autoextend-by",
      paramLabel = "PCT",
      description = "Grow by PCT percent of the current size (thin_pool_autoextend_percent).")
  Integer autoextendBy;

  @Option(
      names = "--autoextend-hook",
      paramLabel = "CMD",
      description = "Shell command run after each automatic growth (THINPOOL_* variables).")
  String autoextendHook;

  // ---- containerd snapshotter (issue 10) ----

  /** A snapshotter's pool: 100 GiB of sparse data file, Docker devmapper's loop default. */
  static final long SNAPSHOTTER_DATA_BYTES = 100L << 30;

  @Option(
      names = "--containerd",
      paramLabel = "SOCK",
      description =
          "Also serve containerd's Snapshots API on this Unix socket (mode 0600): a proxy "
              + "snapshotter. The pool is then the snapshotter's own.")
  Path containerd;

  @Option(
      names = "--base-size",
      paramLabel = "SIZE",
      converter = SizeConverter.class,
      description =
          "Size of the base device every snapshot starts from (dm.basesize), made on first"
              + " start. Default: 10G.")
  long baseSizeBytes = 10L << 30;

  @Option(
      names = "--fs",
      paramLabel = "ext4|xfs",
      description = "File system of the base device, made once on first start. Default: ext4.")
  String fs = "ext4";

  @Option(
      names = "--device-files",
      paramLabel = "fuse|nbdfuse",
      description =
          "How the snapshotter shows devices as files for loop mounts: fuse (one FUSE file "
              + "system in this process) or nbdfuse (a process per device). Default: fuse.")
  String deviceFiles = "fuse";

  /** True for nbdfuse, false for fuse. */
  private static boolean deviceFiles(String kind) {
    return switch (kind) {
      case "fuse" -> false;
      case "nbdfuse" -> true;
      default ->
          throw new IllegalArgumentException("--device-files is fuse or nbdfuse, not " + kind);
    };
  }

  @Option(
      names = "--min-free-space",
      paramLabel = "PCT",
      description =
          "Refuse new snapshots (Prepare, View) while less than PCT percent of the pool's data or"
              + " metadata space is free (dm.min_free_space). 0 turns it off. Default: 10.")
  int minFreeSpacePercent = Snapshotter.Options.DEFAULT_MIN_FREE_SPACE_PERCENT;

  @Override
  public Integer call() throws Exception {
    List<Service> services = new ArrayList<>();
    if ((autoextendThreshold == null) != (autoextendBy == null)) {
      throw new IllegalArgumentException("--autoextend-threshold and --autoextend-by go together");
    }
    if (autoextendThreshold != null) {
      services.add(
          new AutoextendService(
              autoextendThreshold, autoextendBy, Optional.ofNullable(autoextendHook)));
    }
    MetricsService metricsService = null;
    if (metrics != null) {
      metricsService = new MetricsService((InetSocketAddress) tcp(metrics, "--metrics"));
      services.add(metricsService); // before nbd, which reports to it
    }
    NbdService nbd = new NbdService(addresses(), readOnly);
    services.add(nbd);
    if (fuse != null) {
      if (readOnly) { // the device files have no read-only mode (yet)
        throw new IllegalArgumentException("--fuse does not go with --read-only");
      }
      services.add(new FuseService(fuse));
    }
    services.add(new ControlService((req, ctx) -> Served.run(req, ctx, nbd.exports())));
    if (containerd != null) {
      services.add(
          new SnapshotterService(
              containerd,
              new Snapshotter.Options(
                  baseSizeBytes,
                  FsType.of(fs),
                  minFreeSpacePercent,
                  Snapshotter.Options.DEFAULT_DEFERRED_RETRY_MILLIS),
              deviceFiles(deviceFiles)));
    }
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Main.pool(spec).dir();
    if (autoextendThreshold != null
        && Files.exists(dir.resolve("pool.conf"))
        && ThinPool.isDirect(dir)) {
      throw new ParameterException(
          spec.commandLine(),
          "--autoextend-* grows a pool's files, and pool "
              + dir
              + " is in direct mode on block devices: grow the devices with their owner (e.g."
              + " lvextend), then run thinpool grow");
    }
    ThinPool pool =
        containerd != null ? openOrCreateForSnapshots(dir, out) : openOrCreate(dir, out);
    if (containerd != null) {
      // owner-only: it holds the NBD socket that serves every snapshot's device
      Path state = SnapshotterService.stateDir(pool.directory());
      Files.createDirectories(state);
      Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
    }
    AtomicInteger exit = new AtomicInteger(ExitCodes.ERROR);
    CountDownLatch closed = new CountDownLatch(1);
    // The hook goes in before any socket exists: a SIGTERM right after the sockets appear (a
    // supervisor that stops at once) still drains, commits and exits 0.
    AtomicReference<ThinpoolServer> running = new AtomicReference<>();
    AtomicBoolean signalled = new AtomicBoolean();
    Thread hook = onSignal(running, signalled, closed, exit);
    try (ThinpoolServer server = ThinpoolServer.start(pool, services)) {
      running.set(server);
      if (signalled.get()) {
        server.requestShutdown();
      }
      if (metricsService != null) {
        out.println(
            "thinpool: metrics on http://"
                + metrics.substring(0, metrics.lastIndexOf(':'))
                + ":"
                + metricsService.port()
                + "/metrics");
      }
      if (fuse != null) {
        out.println("thinpool: device files in " + fuse.toAbsolutePath() + "/<thin id>");
      }
      printUris(out, pool, nbd.boundAddresses());
      if (containerd != null) {
        out.println(
            "thinpool: containerd snapshotter on "
                + containerd.toAbsolutePath()
                + " (proxy_plugins type \"snapshot\")");
        out.flush();
      }
      server.awaitShutdown();
      out.println("thinpool: shutting down: draining requests, committing");
      out.flush();
      removeHook(hook);
    } catch (IOException | RuntimeException | InterruptedException e) {
      closed.countDown(); // a signal's hook ends the process with the error code
      throw e;
    }
    out.println("thinpool: stopped");
    out.flush();
    exit.set(ExitCodes.OK);
    closed.countDown(); // lets a signal's hook end the process now that the pool is closed
    return ExitCodes.OK;
  }

  /**
   * SIGTERM and SIGINT run the JVM's shutdown hooks: this one asks the server to stop, waits for
   * the drain and commit, and ends the process with exit code 0 (or 1 if closing failed) instead of
   * the signal's 128+n.
   */
  private Thread onSignal(
      AtomicReference<ThinpoolServer> running,
      AtomicBoolean signalled,
      CountDownLatch closed,
      AtomicInteger exit) {
    PrintWriter out = spec.commandLine().getOut();
    Thread hook =
        new Thread(
            () -> {
              signalled.set(true);
              ThinpoolServer server = running.get();
              if (server != null) { // else the starting thread sees the flag once it is up
                server.requestShutdown();
              }
              try {
                closed.await(SHUTDOWN_WAIT.toSeconds(), TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              out.flush();
              Runtime.getRuntime().halt(exit.get()); // 1 unless the drain and commit finished
            },
            "thinpool-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down (a signal): the hook finishes the job
    }
  }

  private List<SocketAddress> addresses() {
    List<SocketAddress> out = new ArrayList<>();
    if (!"none".equals(listen)) {
      out.add(tcp(listen, "--listen"));
    }
    if (socket != null) {
      out.add(UnixDomainSocketAddress.of(socket.toAbsolutePath()));
    }
    if (containerd != null) {
      // nbdfuse device files connect here (see SnapshotterService)
      out.add(UnixDomainSocketAddress.of(SnapshotterService.nbdSocket(Main.pool(spec).dir())));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("nothing to listen on: give --socket with --listen none");
    }
    return out;
  }

  private static SocketAddress tcp(String value, String option) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(option + " wants ADDR:PORT, not " + value);
    }
    String host = value.substring(0, colon).replace("[", "").replace("]", "");
    try {
      return new InetSocketAddress(host, Integer.parseInt(value.substring(colon + 1)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad port in " + option + " " + value);
    }
  }

  private static ThinPool openOrCreate(Path dir, PrintWriter out) throws IOException {
    if (Files.exists(dir.resolve(ThinPool.METADATA_FILE))
        || Files.exists(dir.resolve("pool.conf"))) {
      return ThinPool.open(dir);
    }
    ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(DEFAULT_DATA_BYTES));
    try {
      pool.createThin(1, DEFAULT_THIN_BYTES);
    } catch (IOException | RuntimeException e) {
      pool.close();
      throw e;
    }
    out.println(
        "thinpool: created pool " + dir + " (4 GiB sparse data) with thin device 1" + " (1 GiB)");
    return pool;
  }

  /** A snapshotter's pool: made without devices (the snapshotter makes its base device). */
  private static ThinPool openOrCreateForSnapshots(Path dir, PrintWriter out) throws IOException {
    if (Files.exists(dir.resolve(ThinPool.METADATA_FILE))
        || Files.exists(dir.resolve("pool.conf"))) {
      return ThinPool.open(dir);
    }
    ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(SNAPSHOTTER_DATA_BYTES));
    out.println("thinpool: created pool " + dir + " (100 GiB sparse data) for the snapshotter");
    return pool;
  }

  private static void printUris(PrintWriter out, ThinPool pool, List<SocketAddress> bound)
      throws IOException {
    out.println("thinpool: serving pool " + pool.directory() + " (export name = thin id)");
    for (SocketAddress a : bound) {
      for (long id : pool.deviceIds()) {
        out.println("  " + uri(a, id));
      }
    }
    out.println(
        "thinpool: control socket "
            + ControlService.socketPath(pool.directory())
            + " (thinpool commands on this pool go through it)");
    out.println("thinpool: ready (SIGTERM or Ctrl-C stops: drains, commits, exits 0)");
    out.flush();
  }

  static String uri(SocketAddress a, long id) {
    if (a instanceof InetSocketAddress in) {
      String host = in.getAddress().getHostAddress();
      if (host.contains(":")) {
        host = "[" + host + "]";
      }
      return "nbd://" + host + ":" + in.getPort() + "/" + id;
    }
    return "nbd+unix:///" + id + "?socket=" + ((UnixDomainSocketAddress) a).getPath();
  }
}

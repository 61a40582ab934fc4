package org.thinpool.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.thinpool.pool.ThinPool;
import org.thinpool.server.ControlService;
import org.thinpool.server.ThinpoolServer;
import picocli.CommandLine;

/**
 * The training run for the release's AOT cache (JEP 483/514/515): run once at build time by the
 * jlinked java with {@code -XX:AOTCacheOutput}, it runs every command the way a user would, in one
 * process, on a small pool in a temporary directory, so the cache holds the classes, linked call
 * sites and method profiles of every command's start path. Help, version, a usage error and an
 * operating error are included: their exception and help classes are on the start path too. Exits
 * non-zero if a command that must work fails, so a broken training run fails the build. With {@code
 * --short POOL}, the training of the short commands' smaller cache ({@link #trainShort}).
 */
public final class AotTraining {
  private AotTraining() {}

  public static void main(String[] args) throws IOException {
    if (args.length == 3 && args[0].equals("--short")) {
      trainShort(Path.of(args[1]), Path.of(args[2]));
      System.exit(ExitCodes.OK);
    }
    Path tmp = Files.createTempDirectory("thinpool-aot-training");
    try {
      train(tmp);
    } finally {
      deleteTree(tmp);
    }
    // Main ends in System.exit, whose shutdown path (Runtime.exit logging) belongs in the cache.
    System.exit(ExitCodes.OK);
  }

  private static void train(Path tmp) throws IOException {
    String pool = tmp.resolve("pool").toString();
    Path image = tmp.resolve("image");
    byte[] bytes = new byte[1 << 20];
    for (int i = 0; i < bytes.length; i += 512) {
      bytes[i] = (byte) (i >>> 9);
    }
    Files.write(image, bytes);
    Path out = tmp.resolve("out");
    quiet("--version");
    quiet("--help");
    for (String cmd : Main.commandLine().getSubcommands().keySet()) {
      quiet(cmd, "--help");
    }
    quiet("thin", "ls", "--help");
    quiet("--no-such-option");
    quiet("--pool", tmp.resolve("missing").toString(), "status");
    ok("--pool", pool, "create", "--data-size", "256M", "--metadata-size", "8M");
    String[] thinCreate = {"--pool", pool, "thin", "create", "1", "64M"};
    LockWarmUp.start(thinCreate); // as Main.main does
    ok(thinCreate);
    ok("--pool", pool, "import", "1", image.toString());
    ok("--pool", pool, "thin", "snapshot", "2", "1");
    ok("--pool", pool, "import", "2", image.toString(), "--offset", "2M");
    for (int i = 0; i < 3; i++) {
      ok("--pool", pool, "thin", "ls");
      ok("--pool", pool, "thin", "ls", "--json");
      ok("--pool", pool, "status");
      ok("--pool", pool, "status", "--json");
      ok("--pool", pool, "check");
      ok("--pool", pool, "check", "--json");
    }
    trainServed(Path.of(pool));
    ok("--pool", pool, "export", "2", out.toString());
    ok("--pool", pool, "dump", "--output", tmp.resolve("dump.xml").toString());
    ok("--pool", tmp.resolve("restored").toString(), "restore", tmp.resolve("dump.xml").toString());
    ok("--pool", pool, "discard", "2", "0", "1M");
    ok("--pool", pool, "thin", "resize", "1", "128M");
    ok("--pool", pool, "thin", "delete", "2");
    ok("--pool", pool, "grow", "--data-size", "512M", "--json");
  }

  /**
   * The training of the short commands' own cache ({@code lib/short.aot}, which the launcher uses
   * for {@code --version}, {@code thin ls} and {@code status}): only those, on {@code pool}, a pool
   * the build made beforehand with the full cache, and through the control socket of {@code
   * served}, a pool that a server process of the build owns (a server in this process would put its
   * own classes in the cache). The JVM loads every class of its cache at start: these commands need
   * 1,700 of the full cache's 2,800, which saves them a tenth of their CPU.
   */
  private static void trainShort(Path pool, Path served) throws IOException {
    String p = pool.toString();
    quiet("--version");
    quiet("--pool", pool.resolveSibling("missing").toString(), "status");
    LockWarmUp.start(new String[] {"--pool", p, "thin", "ls"}); // as Main.main does
    for (String dir : List.of(p, served.toString())) {
      for (int i = 0; i < 3; i++) {
        ok("--pool", dir, "thin", "ls");
        ok("--pool", dir, "thin", "ls", "--json");
        ok("--pool", dir, "status");
        ok("--pool", dir, "status", "--json");
      }
    }
  }

  /**
   * Commands on a pool a server owns: the client sends them through the control socket (a path of
   * its own: Unix-domain socket channels, the control protocol), the server runs them.
   */
  private static void trainServed(Path pool) throws IOException {
    ControlService control = new ControlService((req, ctx) -> Served.run(req, ctx, null));
    try (ThinpoolServer server = ThinpoolServer.start(ThinPool.open(pool), List.of(control))) {
      for (int i = 0; i < 2; i++) {
        ok("--pool", pool.toString(), "thin", "ls");
        ok("--pool", pool.toString(), "status", "--json");
      }
    }
  }

  private static void quiet(String... args) {
    CommandLine cl = Main.commandLine(args);
    StringWriter sink = new StringWriter();
    cl.setOut(new PrintWriter(sink));
    cl.setErr(new PrintWriter(sink));
    cl.execute(args);
    if (sink.getBuffer().isEmpty()) {
      throw new IllegalStateException("no output from " + List.of(args));
    }
  }

  static void ok(String... args) {
    CommandLine cl = Main.commandLine(args);
    StringWriter sink = new StringWriter();
    cl.setOut(new PrintWriter(sink));
    cl.setErr(new PrintWriter(sink));
    int exit = cl.execute(args);
    if (exit != ExitCodes.OK) {
      throw new IllegalStateException(
          "training command " + List.of(args) + " exited " + exit + ": " + sink);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    List<Path> paths = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
    }
    for (Path p : paths) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}

package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.FuseHost;
import org.thinpool.testing.JsonReader;
import org.thinpool.testing.SnapshotsClient;

/**
 * The release tarball ({@code mvn package}) on its own: unpacked into a temporary directory and run
 * with an environment holding nothing but an empty PATH (no java, no mvn, no JAVA_HOME), as on a
 * machine without a JDK. Runs in verify (failsafe), after package made the tarball.
 */
class ReleaseSmokeIT {
  @TempDir Path tmp;
  private Path home;
  private Path emptyBin;

  record Result(int exit, String out, String err) {}

  @BeforeEach
  void unpack() throws Exception {
    Path tarball = Path.of(System.getProperty("thinpool.release", "missing"));
    assertThat(tarball).as("the release tarball (mvn package)").isRegularFile();
    Path dir = tmp.resolve("unpacked");
    Files.createDirectories(dir);
    Result r = exec(List.of("tar", "-C", dir.toString(), "-xzf", tarball.toString()), null);
    assertThat(r.exit()).as(r.err()).isZero();
    String name = tarball.getFileName().toString().replace(".tar.gz", "");
    home = dir.resolve(name);
    emptyBin = Files.createDirectories(tmp.resolve("empty-bin"));
  }

  /** Runs with the stripped environment unless {@code env} is null (then the inherited one). */
  private Result exec(List<String> cmd, Map<String, String> env) throws Exception {
    Path out = Files.createTempFile(tmp, "out", "");
    Path err = Files.createTempFile(tmp, "err", "");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    if (env != null) {
      pb.environment().clear();
      pb.environment().putAll(env);
    }
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(cmd + " did not finish in 120 s");
    }
    return new Result(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private Map<String, String> bare() {
    return Map.of("PATH", emptyBin.toString(), "HOME", tmp.toString());
  }

  /** bin/thinpool ARGS in the bare environment; must succeed with nothing on stderr. */
  private String thinpool(Path launcher, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
    cmd.addAll(List.of(args));
    Result r = exec(cmd, bare());
    assertThat(r.exit()).as(cmd + ": " + r.err()).isZero();
    assertThat(r.err()).as("stderr of " + cmd).isEmpty();
    return r.out();
  }

  @Test
  void runsTheMainJobWithNoJdkOnThePath() throws Exception {
    Result probe =
        exec(
            List.of(
                "/bin/sh", "-c", "command -v java || command -v mvn || [ -n \"${JAVA_HOME:-}\" ]"),
            bare());
    assertThat(probe.exit()).as("java/mvn reachable: " + probe.out()).isNotZero();

    Path tp = home.resolve("bin/thinpool");
    assertThat(thinpool(tp, "--version")).startsWith("thinpool ").contains("(commit ");
    String pool = tmp.resolve("pool").toString();
    thinpool(tp, "--pool", pool, "create", "--data-size", "256M");
    thinpool(tp, "--pool", pool, "thin", "create", "1", "64M");
    byte[] image = new byte[3 << 20];
    new Random(11).nextBytes(image);
    java.util.Arrays.fill(image, 1 << 20, 2 << 20, (byte) 0);
    Path in = tmp.resolve("in.img");
    Files.write(in, image);
    thinpool(tp, "--pool", pool, "import", "1", in.toString());
    Path out = tmp.resolve("out.img");
    thinpool(tp, "--pool", pool, "export", "1", out.toString());
    byte[] exported = Files.readAllBytes(out);
    assertThat(exported).hasSize(64 << 20);
    assertThat(java.util.Arrays.copyOf(exported, image.length)).isEqualTo(image);
    assertThat(thinpool(tp, "--pool", pool, "check")).contains("clean");
    Object ls = JsonReader.parse(thinpool(tp, "--pool", pool, "thin", "ls", "--json"));
    assertThat((List<?>) ((Map<?, ?>) ls).get("devices")).hasSize(1);

    Result usage = exec(List.of(tp.toString(), "--no-such-option"), bare());
    assertThat(usage.exit()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void serveRunsWithTheDaemonFlagsAndShortCommandsWithTheStartUpFlags() throws Exception {
    Path tp = home.resolve("bin/thinpool");
    Path pool = tmp.resolve("served");
    thinpool(tp, "--pool", pool.toString(), "create", "--data-size", "64M");
    ProcessBuilder pb =
        new ProcessBuilder(
                tp.toString(),
                "--pool",
                pool.toString(),
                "serve",
                "--listen",
                "none",
                "--socket",
                tmp.resolve("nbd.sock").toString())
            .redirectOutput(tmp.resolve("serve.out").toFile())
            .redirectError(tmp.resolve("serve.err").toFile());
    pb.environment().clear();
    pb.environment().putAll(bare());
    Process serve = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(pool.resolve("control.sock"))) {
        assertThat(serve.isAlive()).as("serve running").isTrue();
        assertThat(System.nanoTime()).as("control socket within 60 s").isLessThan(deadline);
        Thread.sleep(50);
      }
      String cmdline =
          Files.readString(Path.of("/proc/" + serve.pid() + "/cmdline"), StandardCharsets.UTF_8);
      // the launcher execs the JVM: the process is java with the daemon's option file and cache
      assertThat(cmdline)
          .contains("lib/serve.args")
          .doesNotContain("lib/jvm.args")
          .contains("-XX:AOTCache=" + home.resolve("lib/serve.aot"));
      assertThat(Files.readString(home.resolve("lib/serve.args"), StandardCharsets.UTF_8))
          .doesNotContain("TieredStopAtLevel")
          .doesNotContain("UseSerialGC")
          .contains("-XX:+AOTCompileEagerly")
          // a small initial heap: G1's default (1/64 of the host's memory) is what the
          // snapshotter's RSS row measured, not the server's needs
          .containsPattern("(?m)^-Xms[0-9]+m$");
      // a short command beside it still starts with the start-up flags (and goes to the server)
      assertThat(thinpool(tp, "--pool", pool.toString(), "status")).isNotEmpty();
    } finally {
      serve.destroy(); // SIGTERM: drain, commit, exit 0
      assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(serve.exitValue()).as(Files.readString(tmp.resolve("serve.err"))).isZero();
  }

  /**
   * The release serves containerd's Snapshots API: a Prepare and a Remove through the socket of a
   * serve started by the launcher (its warm-up calls run first: a jar that lost gRPC's service
   * files, as the shaded jar once did, fails them and never opens the socket). The serve cache was
   * trained on the snapshotter's calls when the build host could mount (root and /dev/fuse).
   */
  @Test
  void serveAnswersContainerdsSnapshotsApi() throws Exception {
    FuseHost.require();
    var _ = ExternalTool.require("mkfs.ext4");
    Path pool = tmp.resolve("snapshots");
    Path socket = tmp.resolve("snapshotter.sock");
    List<String> cmd = ServedContainerd.serveArgs(pool, socket, "1G");
    cmd.addFirst(home.resolve("bin/thinpool").toString());
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectOutput(tmp.resolve("snap.out").toFile())
            .redirectError(tmp.resolve("snap.err").toFile());
    // mkfs.ext4 of the base device is the one tool it runs: the host's PATH, not the bare one
    Process serve = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(socket)) {
        assertThat(serve.isAlive())
            .as("serve running: " + Files.readString(tmp.resolve("snap.err")))
            .isTrue();
        assertThat(System.nanoTime()).as("snapshotter socket within 60 s").isLessThan(deadline);
        Thread.sleep(50);
      }
      try (SnapshotsClient client = new SnapshotsClient(socket)) {
        assertThat(client.prepare("release/active", "", Map.of()))
            .singleElement()
            .satisfies(m -> assertThat(m.getOptionsList()).contains("loop"));
        client.remove("release/active");
      }
    } finally {
      serve.destroy();
      assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(serve.exitValue()).as(Files.readString(tmp.resolve("snap.err"))).isZero();
  }

  @Test
  void holdsOnlyTheModulesUsedAndAnAotCacheThatLoadsWhereUnpacked() throws Exception {
    Path java = home.resolve("runtime/bin/java");
    Result modules = exec(List.of(java.toString(), "--list-modules"), bare());
    assertThat(modules.out().lines().map(l -> l.replaceAll("@.*", "")).toList())
        // java.logging, jdk.httpserver, jdk.unsupported: serve --metrics (Prometheus exporter);
        // java.naming (with java.security.sasl), java.sql (with java.transaction.xa), jdk.jfr:
        // serve --containerd (grpc-java, Netty, protobuf-java, as jdeps finds them)
        .containsExactly(
            "java.base",
            "java.logging",
            "java.naming",
            "java.security.sasl",
            "java.sql",
            "java.transaction.xa",
            "java.xml",
            "jdk.httpserver",
            "jdk.jfr",
            "jdk.unsupported");
    // AOTMode=on: fail instead of running without the cache if it does not match this JVM,
    // these flags or this (moved) class path. serve.aot goes with serve.args, the others with
    // jvm.args.
    for (String cache : List.of("lib/thinpool.aot", "lib/short.aot", "lib/serve.aot")) {
      String args = cache.equals("lib/serve.aot") ? "lib/serve.args" : "lib/jvm.args";
      Result r =
          exec(
              List.of(
                  java.toString(),
                  "@" + home.resolve(args),
                  "-XX:AOTMode=on",
                  "-XX:AOTCache=" + home.resolve(cache),
                  "-cp",
                  home.resolve("lib/thinpool.jar").toString(),
                  "org.thinpool.cli.Main",
                  "--version"),
              bare());
      assertThat(r.exit()).as(cache + ": " + r.out() + r.err()).isZero();
    }
  }

  /** The launcher gives --version, thin ls and status the short commands' cache, others not. */
  @Test
  void theLauncherPicksTheShortCommandsCacheForThemOnly() throws Exception {
    String pool = tmp.resolve("pool").toString();
    thinpool(home.resolve("bin/thinpool"), "--pool", pool, "create", "--data-size", "64M");
    Map<List<String>, String> expected =
        Map.of(
            List.of("--version"), "lib/short.aot",
            List.of("--pool", pool, "thin", "ls", "--json"), "lib/short.aot",
            List.of("--pool", pool, "status"), "lib/short.aot",
            List.of("--pool", pool, "thin", "create", "1", "1M"), "lib/thinpool.aot",
            List.of("--pool", pool, "check"), "lib/thinpool.aot",
            List.of("thin", "--help"), "lib/thinpool.aot");
    for (Map.Entry<List<String>, String> e : expected.entrySet()) {
      // sh -x prints the command the launcher execs, with its -XX:AOTCache option
      List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-x", home + "/bin/thinpool"));
      cmd.addAll(e.getKey());
      Result r = exec(cmd, bare());
      assertThat(r.exit()).as(e.getKey() + ": " + r.err()).isZero();
      String execLine =
          r.err().lines().filter(l -> l.contains("runtime/bin/java")).findFirst().orElseThrow();
      assertThat(execLine)
          .as(e.getKey().toString())
          .contains("-XX:AOTCache=" + home + "/" + e.getValue());
    }
  }

  /**
   * The start path of the short commands scripts run in loops ({@code --version}, {@code thin ls},
   * {@code status}) loads every class of thinpool and picocli from the AOT cache and links no FFM
   * downcall (its stubs are generated at run time: the cache cannot hold them). Left to load at run
   * time: method-handle forms and lambdas, and a few JDK classes that depend on the environment
   * (the exit logger, the charset of an unset locale). Annotation proxies (a picocli model read
   * from annotations) or classes the training run missed fail here.
   */
  @Test
  void shortCommandsLoadOnlyGeneratedClassesOutsideTheAotCache() throws Exception {
    String pool = tmp.resolve("pool").toString();
    thinpool(home.resolve("bin/thinpool"), "--pool", pool, "create", "--data-size", "64M");
    thinpool(home.resolve("bin/thinpool"), "--pool", pool, "thin", "create", "1", "16M");
    for (List<String> args :
        List.of(
            List.of("--version"),
            List.of("--pool", pool, "thin", "ls"),
            List.of("--pool", pool, "status", "--json"))) {
      Path log = tmp.resolve("class-load.log");
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  home.resolve("runtime/bin/java").toString(),
                  "@" + home.resolve("lib/jvm.args"),
                  "-XX:AOTCache=" + home.resolve("lib/short.aot"),
                  "-Xlog:class+load=info:file=" + log,
                  "-cp",
                  home.resolve("lib/thinpool.jar").toString(),
                  "org.thinpool.cli.Main"));
      cmd.addAll(args);
      Result r = exec(cmd, bare());
      assertThat(r.exit()).as(args + ": " + r.err()).isZero();
      List<String> lines = Files.readAllLines(log);
      assertThat(lines)
          .as("the log works")
          .anyMatch(l -> l.contains(" org.thinpool.cli.Main source: shared objects file"));
      List<String> outsideCache =
          lines.stream()
              .filter(l -> !l.contains("source: shared objects file"))
              .map(l -> l.replaceFirst("^\\[[^ ]* ", ""))
              .toList();
      assertThat(outsideCache)
          .as(args.toString())
          .allMatch(
              l ->
                  !l.contains("source: file:")
                      && !l.contains("source: jar:")
                      && !l.contains("__dynamic_proxy__"),
              "generated at run time (FFM stubs, method-handle forms, lambdas, type switches) "
                  + "or a JDK class for this environment (the exit logger, the locale's charset); "
                  + "never from the jar, never an annotation proxy")
          // None: the reader's lock of thin ls and status is a JDK file lock (no FFM call).
          .filteredOn(l -> l.startsWith("jdk.internal.foreign.abi.DowncallStub/"))
          .isEmpty();
    }
  }

  @Test
  void installerPutsCommandManPagesAndCompletionUnderThePrefix() throws Exception {
    Path prefix = tmp.resolve("prefix");
    Result r =
        exec(
            List.of(home.resolve("bin/thinpool-install").toString(), "--prefix", prefix.toString()),
            null);
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(prefix.resolve("share/man/man1/thinpool-thin-ls.1")).isRegularFile();
    assertThat(prefix.resolve("share/bash-completion/completions/thinpool")).isRegularFile();
    // The installed copy is independent of the unpacked one.
    deleteTree(home);
    assertThat(thinpool(prefix.resolve("bin/thinpool"), "--version")).startsWith("thinpool ");
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

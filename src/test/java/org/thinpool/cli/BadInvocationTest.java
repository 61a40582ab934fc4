package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.thinpool.testing.ExternalTool;

/**
 * Every command's bad invocations, as a table: each gets exactly one line on stderr that names what
 * is wrong and the pool folder or file involved (usage errors: plus "see `thinpool CMD --help`"),
 * no exception class, stack trace or internal name, a non-zero exit, and leaves every committed
 * byte of the pool as it was (metadata, data, sizes, pool.conf hashed before and after; thin_check
 * clean).
 */
class BadInvocationTest {
  @TempDir static Path tmp;

  static Path pool;
  static Path image;
  static Path bigImage;
  static Path garbageXml;

  /**
   * One bad invocation: {@code args} run with {@code --pool POOL} first unless {@code ownPool}; the
   * error line must contain every string of {@code expected}. The words POOL and TMP in args and
   * expected strings stand for the pool folder and the temporary folder.
   */
  record Bad(String name, int exit, List<String> args, List<String> expected, boolean ownPool) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Bad usage(String name, String help, List<String> args, String... expected) {
    List<String> all = new ArrayList<>(List.of(expected));
    all.add("see `thinpool " + help + "--help`");
    return new Bad(name, ExitCodes.USAGE, args, all, false);
  }

  static Bad error(String name, List<String> args, String... expected) {
    return new Bad(name, ExitCodes.ERROR, args, List.of(expected), false);
  }

  static Bad elsewhere(String name, List<String> args, String... expected) {
    return new Bad(name, ExitCodes.ERROR, args, List.of(expected), true);
  }

  static Stream<Bad> table() {
    return Stream.of(
        usage("no command", "", List.of(), "a command is required"),
        usage("unknown command", "", List.of("frobnicate"), "frobnicate"),
        usage("thin without a verb", "thin ", List.of("thin"), "a command is required"),
        usage("thin create without size", "thin create ", List.of("thin", "create", "1"), "SIZE"),
        usage(
            "thin create bad id",
            "thin create ",
            List.of("thin", "create", "x", "4M"),
            "'x'",
            "ID"),
        usage(
            "thin create bad size",
            "thin create ",
            List.of("thin", "create", "2", "4Q"),
            "'4Q' is not a size"),
        usage("unknown option", "thin ls ", List.of("thin", "ls", "--frob"), "--frob"),
        usage(
            "thin ls unknown field",
            "thin ls ",
            List.of("thin", "ls", "-o", "DEV,FOO"),
            "unknown field: FOO",
            "SIZE"),
        usage(
            "discard bad length",
            "discard ",
            List.of("discard", "1", "0", "x"),
            "'x' is not a size"),
        usage(
            "import negative offset",
            "import ",
            List.of("import", "1", "TMP/in.img", "--offset", "-5"),
            "'-5'"),
        usage("grow without sizes", "grow ", List.of("grow"), "--data-size"),
        usage(
            "create without data size",
            "create ",
            List.of("--pool", "TMP/new1", "create"),
            "--data-size"),
        usage(
            "create direct half",
            "create ",
            List.of("create", "--data-device", "/dev/null"),
            "--metadata-device"),
        error("thin create size 0", List.of("thin", "create", "2", "0"), "size 0", "POOL"),
        error(
            "thin create existing",
            List.of("thin", "create", "1", "4M"),
            "thin device 1",
            "exists",
            "POOL"),
        error(
            "thin create id too big",
            List.of("thin", "create", "99999999", "4M"),
            "99999999",
            "POOL"),
        error(
            "thin snapshot of nothing",
            List.of("thin", "snapshot", "3", "7"),
            "thin device 7",
            "POOL"),
        error("thin delete nothing", List.of("thin", "delete", "7"), "thin device 7", "POOL"),
        error("thin resize nothing", List.of("thin", "resize", "7", "4M"), "thin device 7", "POOL"),
        error("thin resize to 0", List.of("thin", "resize", "1", "0"), "size 0", "POOL"),
        error(
            "thin resize shrink without force",
            List.of("thin", "resize", "1", "64k"),
            "unmap 1 mapped block",
            "--force",
            "POOL"),
        error("import missing image", List.of("import", "1", "TMP/missing.img"), "TMP/missing.img"),
        error(
            "import image too big",
            List.of("import", "1", "TMP/big.img"),
            "TMP/big.img",
            "does not fit",
            "POOL"),
        error("import from a folder", List.of("import", "1", "TMP"), "TMP", "not a file"),
        error("export to a folder", List.of("export", "1", "TMP"), "TMP", "not a file"),
        error("import into nothing", List.of("import", "7", "TMP/in.img"), "thin device 7", "POOL"),
        error("export nothing", List.of("export", "7", "TMP/out.img"), "thin device 7", "POOL"),
        error(
            "export into a missing folder",
            List.of("export", "1", "TMP/no/such/out.img"),
            "TMP/no/such/out.img"),
        error("discard nothing", List.of("discard", "7", "0", "64k"), "thin device 7", "POOL"),
        error("grow shrinks", List.of("grow", "--data-size", "1M"), "POOL"),
        error("create over a pool", List.of("create", "--data-size", "16M"), "POOL"),
        error(
            "create bad discard mode",
            List.of("--pool", "TMP/new2", "create", "--data-size", "16M", "--discard", "maybe"),
            "maybe",
            "TMP/new2"),
        error("dump without metadata snapshot", List.of("dump", "-m"), "metadata snapshot", "POOL"),
        error(
            "thin ls without metadata snapshot",
            List.of("thin", "ls", "-m"),
            "metadata snapshot",
            "POOL"),
        error(
            "restore missing xml",
            List.of("--pool", "TMP/new3", "restore", "TMP/none.xml"),
            "TMP/none.xml"),
        error(
            "restore garbage",
            List.of("--pool", "TMP/new4", "restore", "TMP/garbage.xml"),
            "TMP/garbage.xml"),
        elsewhere("status of no pool", List.of("--pool", "TMP/absent", "status"), "TMP/absent"),
        elsewhere("check of no pool", List.of("--pool", "TMP/absent", "check"), "TMP/absent"),
        elsewhere(
            "thin ls of no pool", List.of("--pool", "TMP/absent", "thin", "ls"), "TMP/absent"),
        elsewhere(
            "pool under /proc",
            List.of("--pool", "/proc/p", "create", "--data-size", "16M"),
            "/proc/p",
            "cannot create pool"),
        elsewhere("pool is a file", List.of("--pool", "TMP/in.img", "status"), "TMP/in.img"));
  }

  @BeforeAll
  static void makePool() throws IOException {
    pool = tmp.resolve("pool");
    ok("--pool", pool.toString(), "create", "--data-size", "16M");
    ok("--pool", pool.toString(), "thin", "create", "1", "4M");
    image = tmp.resolve("in.img");
    byte[] data = new byte[128 * 1024];
    java.util.Arrays.fill(data, (byte) 7);
    Files.write(image, data);
    ok("--pool", pool.toString(), "import", "1", image.toString());
    ok("--pool", pool.toString(), "thin", "snapshot", "2", "1");
    bigImage = tmp.resolve("big.img");
    try (var f = new java.io.RandomAccessFile(bigImage.toFile(), "rw")) {
      f.setLength(5L << 20);
    }
    garbageXml = tmp.resolve("garbage.xml");
    Files.writeString(garbageXml, "<superblock uuid=\"\" time=\"x\">\n", StandardCharsets.UTF_8);
  }

  private static void ok(String... args) {
    CliTest.Run r = CliTest.run(args);
    assertThat(r.exit()).as("%s: %s", List.of(args), r.err()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void oneClearLineNonZeroExitNothingChanged(Bad bad) throws IOException {
    Map<String, String> before = hashes(pool);
    List<String> args = new ArrayList<>();
    if (!bad.ownPool() && !bad.args().contains("--pool")) {
      args.addAll(List.of("--pool", pool.toString()));
    }
    bad.args().forEach(a -> args.add(subst(a)));
    CliTest.Run r = CliTest.run(args.toArray(String[]::new));

    assertThat(r.exit()).as("exit code; stderr: %s", r.err()).isEqualTo(bad.exit());
    String err = r.err();
    assertThat(err).as("exactly one line on stderr").endsWith("\n");
    String line = err.substring(0, err.length() - 1);
    assertThat(line).as("one line").doesNotContain("\n").startsWith("thinpool");
    for (String e : bad.expected()) {
      assertThat(line).contains(subst(e));
    }
    assertThat(line).doesNotContain("Exception", "\tat ", "TRANSACTION_ID", "null");
    assertThat(r.out()).doesNotContain("TRANSACTION_ID=-1");
    assertThat(hashes(pool)).as("committed bytes").isEqualTo(before);
    ExternalTool.Result check = ExternalTool.run("thin_check", pool.resolve("metadata").toString());
    assertThat(check.exitCode()).as(check.all()).isZero();
  }

  private static String subst(String s) {
    return s.replace("POOL", pool.toString()).replace("TMP", tmp.toString());
  }

  /** SHA-256 of each pool file that holds committed state (the lock note is not one). */
  private static Map<String, String> hashes(Path dir) throws IOException {
    Map<String, String> h = new TreeMap<>();
    for (String name : List.of("metadata", "data", "sizes", "pool.conf")) {
      Path f = dir.resolve(name);
      if (Files.exists(f)) {
        h.put(name, sha256(f));
      }
    }
    return h;
  }

  private static String sha256(Path f) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (var in = Files.newInputStream(f)) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          md.update(buf, 0, n);
        }
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}

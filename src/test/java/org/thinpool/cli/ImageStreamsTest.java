package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.LoopDevices;

/**
 * import and export with what dd and qemu-img users hand them: standard input and output, named
 * pipes, character and block devices, sparse files (holes skipped unread), and the progress bar
 * (drawn only on a terminal, never with -q).
 */
class ImageStreamsTest {
  private static final int BLOCK = 64 * 1024;
  private static final int DEVICE_BYTES = 4 << 20;

  @TempDir Path tmp;

  private Path pool;
  private byte[] content;

  @BeforeEach
  void poolWithDevice() throws IOException {
    pool = tmp.resolve("pool");
    ok("create", "--data-size", "64M");
    ok("thin", "create", "1", "4M");
    content = new byte[DEVICE_BYTES];
    new Random(8).nextBytes(content);
    Arrays.fill(content, 5 * BLOCK, 9 * BLOCK, (byte) 0); // a zero run the device leaves unmapped
  }

  private CliTest.Run ok(String... args) throws IOException {
    List<String> full = new ArrayList<>(List.of("--pool", pool.toString()));
    full.addAll(List.of(args));
    CliTest.Run r = CliTest.run(full.toArray(String[]::new));
    assertThat(r.exit()).as("%s: %s", full, r.err()).isZero();
    ExternalTool.Result check = ExternalTool.run("thin_check", pool.resolve("metadata").toString());
    assertThat(check.exitCode()).as(check.all()).isZero();
    return r;
  }

  /** The device's bytes, through a regular-file export. */
  private byte[] deviceBytes(String id) throws IOException {
    Path out = tmp.resolve("check-" + id + ".img");
    ok("export", id, out.toString());
    return Files.readAllBytes(out);
  }

  /** The CLI in a child JVM, as a user runs it; stdin from {@code input} if not null. */
  private Child child(byte[] input, String... args) throws IOException, InterruptedException {
    List<String> cmd = cliCommand(args);
    Path err = tmp.resolve("child.err");
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p));
    try (OutputStream in = p.getOutputStream()) {
      if (input != null) {
        in.write(input);
      }
    }
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("thinpool " + List.of(args) + " did not finish");
    }
    return new Child(p.exitValue(), out.join(), Files.readString(err));
  }

  private record Child(int exit, byte[] out, String err) {}

  /** The command line of this build's CLI in a child JVM on the test pool, then {@code args}. */
  private List<String> cliCommand(String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "--pool",
                pool.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static byte[] readAll(Process p) {
    try (InputStream in = p.getInputStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void importFromStandardInputAndExportToStandardOutput() throws Exception {
    Child in = child(content, "import", "1", "-");
    assertThat(in.exit()).as(in.err()).isZero();
    assertThat(in.err()).as("no progress without a terminal").isEmpty();
    assertThat(deviceBytes("1")).isEqualTo(content);
    assertThat(ok("status", "--json").out()).contains("\"data_blocks_used\": 60");

    Child out = child(null, "export", "1", "-");
    assertThat(out.exit()).as(out.err()).isZero();
    assertThat(out.err()).isEmpty();
    assertThat(out.out()).isEqualTo(content);
  }

  @Test
  void streamLongerThanTheDeviceIsAnErrorAndCommitsNothing() throws Exception {
    Path img = tmp.resolve("two-blocks.img");
    Files.write(img, Arrays.copyOf(content, 2 * BLOCK));
    ok("import", "1", img.toString());
    String before = ok("status", "--json").out();
    assertThat(before).contains("\"data_blocks_used\": 2");
    byte[] tooLong = new byte[DEVICE_BYTES + 1];
    new Random(3).nextBytes(tooLong);

    Child in = child(tooLong, "import", "1", "-");
    assertThat(in.exit()).isEqualTo(ExitCodes.ERROR);
    assertThat(in.err()).contains("is longer than thin device 1").endsWith("\n").hasLineCount(1);
    // The 62 blocks it allocated are dropped with the uncommitted transaction; the two blocks
    // mapped before were overwritten in place (as dd would), which a stream cannot avoid.
    assertThat(ok("status", "--json").out()).isEqualTo(before);
    byte[] after = deviceBytes("1");
    assertThat(Arrays.copyOfRange(after, 2 * BLOCK, DEVICE_BYTES))
        .isEqualTo(new byte[DEVICE_BYTES - 2 * BLOCK]);
  }

  @Test
  void namedPipesBothWays() throws Exception {
    Path fifo = tmp.resolve("fifo");
    mkfifo(fifo);
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              try {
                Files.write(fifo, content);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    ok("import", "1", fifo.toString());
    writer.get(60, TimeUnit.SECONDS);
    assertThat(deviceBytes("1")).isEqualTo(content);

    CompletableFuture<byte[]> reader =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return Files.readAllBytes(fifo);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    ok("export", "1", fifo.toString());
    assertThat(reader.get(60, TimeUnit.SECONDS)).isEqualTo(content);
  }

  @Test
  void characterDevices() throws IOException {
    Path img = tmp.resolve("in.img");
    Files.write(img, content);
    ok("import", "1", img.toString());
    ok("export", "1", "/dev/null");
    ok("import", "1", "/dev/null"); // empty: changes nothing
    assertThat(deviceBytes("1")).isEqualTo(content);
  }

  @Test
  void blockDeviceBothWays() throws IOException {
    Path img = tmp.resolve("in.img");
    Files.write(img, content);
    ok("import", "1", img.toString());
    Path backing = tmp.resolve("loop.img");
    byte[] old = new byte[DEVICE_BYTES + BLOCK];
    Arrays.fill(old, (byte) 0xff); // old data that the export must overwrite, zeros included
    Files.write(backing, old);
    try (LoopDevices loops = new LoopDevices()) {
      Path loop = loops.attach(backing);
      ok("export", "1", loop.toString());
      byte[] written = Files.readAllBytes(backing);
      assertThat(Arrays.copyOf(written, DEVICE_BYTES)).isEqualTo(content);
      assertThat(written[DEVICE_BYTES]).isEqualTo((byte) 0xff);

      ok("thin", "create", "2", "5M");
      ok("import", "2", loop.toString());
    }
    byte[] two = deviceBytes("2");
    assertThat(Arrays.copyOf(two, DEVICE_BYTES)).isEqualTo(content);
  }

  @Test
  void blockDeviceSmallerThanTheThinDeviceIsRefused() throws IOException {
    Path backing = tmp.resolve("loop.img");
    Files.write(backing, new byte[DEVICE_BYTES / 2]);
    try (LoopDevices loops = new LoopDevices()) {
      Path loop = loops.attach(backing);
      CliTest.Run r = CliTest.run("--pool", pool.toString(), "export", "1", loop.toString());
      assertThat(r.exit()).isEqualTo(ExitCodes.ERROR);
      assertThat(r.err()).contains("smaller than thin device 1").contains(loop.toString());
    }
  }

  /**
   * A 20 GiB sparse image holding 100 MiB of data in 10 extents: the import reads the data extents
   * and nothing of the holes (measured as the bytes this process read, rchar in /proc/self/io), and
   * the device ends up with exactly that data.
   */
  @Test
  void sparseImageImportReadsOnlyItsData() throws IOException {
    long size = 20L << 30;
    int extentBytes = 10 << 20;
    pool = tmp.resolve("big-pool");
    ok("create", "--data-size", "256M");
    ok("thin", "create", "1", "20G");
    Path img = tmp.resolve("sparse.img");
    byte[] extent = new byte[extentBytes];
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.setLength(size);
      for (int i = 0; i < 10; i++) {
        new Random(i).nextBytes(extent);
        f.seek(i * (2L << 30) + 12345L * 4096);
        f.write(extent);
      }
    }
    long before = readBytesOfThisProcess();
    ok("import", "1", img.toString());
    long read = readBytesOfThisProcess() - before;
    assertThat(read)
        .as("bytes read for 100 MiB of data in 20 GiB")
        .isBetween(100L << 20, 130L << 20);
    assertThat(ok("status", "--json").out()).contains("\"data_blocks_used\": 1610");

    Path out = tmp.resolve("sparse-out.img");
    ok("export", "1", out.toString());
    try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "r")) {
      assertThat(f.length()).isEqualTo(size);
      byte[] got = new byte[extentBytes];
      for (int i = 0; i < 10; i++) {
        new Random(i).nextBytes(extent);
        f.seek(i * (2L << 30) + 12345L * 4096);
        f.readFully(got);
        assertThat(got).isEqualTo(extent);
      }
    }
  }

  @Test
  void holesOfTheImageZeroWhatTheDeviceHeld() throws IOException {
    Path full = tmp.resolve("full.img");
    Files.write(full, content);
    ok("import", "1", full.toString());
    Path sparse = tmp.resolve("sparse.img");
    try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
      f.setLength(DEVICE_BYTES);
      f.seek(BLOCK + 100);
      f.write(new byte[] {1, 2, 3});
    }
    ok("import", "1", sparse.toString());
    byte[] expected = new byte[DEVICE_BYTES];
    expected[BLOCK + 100] = 1;
    expected[BLOCK + 101] = 2;
    expected[BLOCK + 102] = 3;
    assertThat(deviceBytes("1")).isEqualTo(expected);
    assertThat(ok("status", "--json").out()).contains("\"data_blocks_used\": 1");
  }

  @Test
  void progressBarOnATerminalOnlyAndNeverWithQuiet() throws Exception {
    ExternalTool.require("script");
    Path img = tmp.resolve("in.img");
    Files.write(img, content);
    String tty = underTerminal("import", "1", img.toString());
    assertThat(tty).contains("import 100% [####################] 4.0 MiB / 4.0 MiB");
    assertThat(underTerminal("import", "-q", "1", img.toString())).doesNotContain("import");
    assertThat(underTerminal("export", "1", tmp.resolve("o.img").toString()))
        .contains("export 100% [####################] 4.0 MiB / 4.0 MiB");
    Child notTty = child(null, "export", "1", tmp.resolve("o2.img").toString());
    assertThat(notTty.err()).isEmpty();
  }

  /** Runs the CLI with a pseudo-terminal as its standard streams (script(1)); its output. */
  private String underTerminal(String... args) throws IOException, InterruptedException {
    StringBuilder line = new StringBuilder();
    for (String a : cliCommand(args)) {
      line.append('\'').append(a).append("' ");
    }
    Path out = tmp.resolve("script.out");
    Process p =
        new ProcessBuilder("script", "-qec", line.toString(), "/dev/null")
            .redirectOutput(out.toFile())
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String s = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(s).isZero();
    return s;
  }

  @Test
  void progressLineFormatAndRedrawRateFollowTheClock() {
    assertThat(Progress.line("import", 512L << 20, 2L << 30, 4_000_000_000L))
        .isEqualTo(
            "import  25% [#####               ] 512.0 MiB / 2.0 GiB  128.0 MiB/s"
                + "  ETA 0:00:12");
    assertThat(Progress.line("export", 0, 1000, 0))
        .isEqualTo("export   0% [                    ] 0 B / 1000 B  --/s  ETA --:--:--");
    assertThat(Progress.line("import", 3L << 29, -1, 2_000_000_000L))
        .isEqualTo("import 1.5 GiB  768.0 MiB/s");

    long[] now = {1_000_000_000L};
    StringWriter sw = new StringWriter();
    Progress p = new Progress(new PrintWriter(sw), () -> now[0], "import", 1000, true);
    p.update(0);
    now[0] += Progress.REDRAW_NANOS - 1;
    p.update(100); // too soon: not drawn
    now[0] += 1;
    p.update(500);
    now[0] += 300_000_000L;
    p.finish(1000);
    assertThat(sw.toString().split("\r", -1))
        .containsExactly(
            "",
            "import   0% [                    ] 0 B / 1000 B  --/s  ETA --:--:--",
            "import  50% [##########          ] 500 B / 1000 B  2.4 KiB/s  ETA 0:00:01",
            "import 100% [####################] 1000 B / 1000 B  2.0 KiB/s  ETA 0:00:00"
                + System.lineSeparator());

    StringWriter quiet = new StringWriter();
    Progress off = new Progress(new PrintWriter(quiet), () -> now[0], "import", 1000, false);
    off.update(10);
    off.finish(1000);
    assertThat(quiet.toString()).isEmpty();
  }

  private static void mkfifo(Path p) throws IOException, InterruptedException {
    Process proc = new ProcessBuilder(ExternalTool.require("mkfifo"), p.toString()).start();
    assertThat(proc.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(proc.exitValue()).isZero();
  }

  /** rchar of /proc/self/io: bytes this process read through read(2) and friends. */
  private static long readBytesOfThisProcess() throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc/self/io"))) {
      if (l.startsWith("rchar:")) {
        return Long.parseLong(l.substring(6).strip());
      }
    }
    throw new AssertionError("no rchar in /proc/self/io");
  }
}

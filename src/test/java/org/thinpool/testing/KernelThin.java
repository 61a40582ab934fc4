package org.thinpool.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs {@code kernel-thin.sh}, which boots a real Linux kernel with dm-thin under qemu on a pool's
 * two files, and parses what it prints. The tool is found at {@code -Dthinpool.kernelThin=PATH},
 * else {@code $THINPOOL_KERNEL_THIN}, else {@code ../shared/tools/kernel-thin.sh} from the project
 * directory. Under {@code CI=true} a missing tool, or a host that cannot run it (the tool's exit 1:
 * qemu, cpio or the kernel package unavailable), fails the test; elsewhere the test is skipped,
 * loudly.
 */
public final class KernelThin {
  /** Bound on one VM boot, passed to the tool, which kills its VM by pid when it expires. */
  public static final int VM_TIMEOUT_S = 90;

  /**
   * Bound on one run of the tool as a whole: the first run on a fresh host also installs qemu and
   * downloads the kernel with apt-get (bounded by the tool at 600 s each, longer than a test should
   * wait). On expiry we SIGTERM the tool, whose exit trap stops the VM it started.
   */
  private static final int TOOL_LIMIT_S = 240;

  private KernelThin() {}

  /**
   * One boot.
   *
   * @param metadata the metadata file (all zeros in its first 4 KiB: the kernel formats it)
   * @param data the data file
   * @param blockSectors the pool's data block size in sectors
   * @param thinSizesBytes devices to activate and hash before the script: id to virtual size
   * @param script a busybox {@code sh -e} script run inside the VM, or null
   * @param readOnly whether the kernel's writes go to a throw-away overlay
   */
  public record Request(
      Path metadata,
      Path data,
      long blockSectors,
      Map<Long, Long> thinSizesBytes,
      String script,
      boolean readOnly) {
    public Request {
      thinSizesBytes = new TreeMap<>(thinSizesBytes);
    }
  }

  /** The pool target's status fields, as {@code dmsetup status} prints them. */
  public record PoolLine(
      long metadataBlocksUsed,
      long metadataBlocksTotal,
      long dataBlocksUsed,
      long dataBlocksTotal) {}

  /** One run of the tool: its exit status and output lines. */
  public record Run(int exitCode, List<String> lines, String stderr) {
    private static final Pattern THIN_HASH = Pattern.compile("thin (\\d+) sha256 ([0-9a-f]{64})");
    private static final Pattern HASH = Pattern.compile("hash (\\S+) sha256 ([0-9a-f]{64})");
    private static final Pattern POOL_STATUS =
        Pattern.compile("status pool: 0 \\d+ thin-pool \\d+ (\\d+)/(\\d+) (\\d+)/(\\d+) .*");

    /** "thin ID sha256 HEX" lines: of the activated devices and of kt-hash DEV thin:ID. */
    public Map<Long, String> thinHashes() {
      Map<Long, String> out = new TreeMap<>();
      for (String l : lines) {
        Matcher m = THIN_HASH.matcher(l);
        if (m.matches()) {
          out.put(Long.parseLong(m.group(1)), m.group(2));
        }
      }
      return out;
    }

    /** "hash LABEL sha256 HEX" lines of the script's kt-hash calls. */
    public Map<String, String> hashes() {
      Map<String, String> out = new LinkedHashMap<>();
      for (String l : lines) {
        Matcher m = HASH.matcher(l);
        if (m.matches()) {
          out.put(m.group(1), m.group(2));
        }
      }
      return out;
    }

    /** The status after "status thinID: ", e.g. "0 65536 thin 19200 32767", or null. */
    public String thinStatus(long id) {
      String prefix = "status thin" + id + ": ";
      return lines.stream()
          .filter(l -> l.startsWith(prefix))
          .map(l -> l.substring(prefix.length()).trim())
          .findFirst()
          .orElse(null);
    }

    public PoolLine poolStatus() {
      for (String l : lines) {
        Matcher m = POOL_STATUS.matcher(l);
        if (m.matches()) {
          return new PoolLine(
              Long.parseLong(m.group(1)),
              Long.parseLong(m.group(2)),
              Long.parseLong(m.group(3)),
              Long.parseLong(m.group(4)));
        }
      }
      throw new AssertionError("no pool status in:\n" + describe());
    }

    /** Kernel log lines of device-mapper that report a problem. */
    public List<String> kernelErrors() {
      return lines.stream()
          .filter(l -> l.startsWith("dmesg ") && l.contains("device-mapper"))
          .filter(l -> l.matches("(?i).*(error|fail|corrupt|check|invalid|read-only).*"))
          .toList();
    }

    public String describe() {
      return "kernel-thin.sh exit "
          + exitCode
          + "\n"
          + String.join("\n", lines)
          + (stderr.isBlank() ? "" : "\nstderr:\n" + stderr);
    }
  }

  /** Boots the kernel once; prints the command and its output for the test report. */
  public static Run run(Request request) throws IOException {
    Path tool = tool();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                tool.toString(),
                "--metadata",
                request.metadata().toString(),
                "--data",
                request.data().toString(),
                "--block-sectors",
                Long.toString(request.blockSectors()),
                "--timeout",
                Integer.toString(VM_TIMEOUT_S)));
    for (Map.Entry<Long, Long> e : request.thinSizesBytes().entrySet()) {
      cmd.add("--thin");
      cmd.add(e.getKey() + ":" + e.getValue() / 512);
    }
    if (request.readOnly()) {
      cmd.add("--readonly");
    }
    Path work = Files.createTempDirectory("kernel-thin");
    try {
      if (request.script() != null) {
        Path file = work.resolve("inside.sh");
        Files.writeString(file, request.script(), StandardCharsets.UTF_8);
        cmd.add("--script");
        cmd.add(file.toString());
      }
      Run run = start(cmd, work);
      System.out.println("[kernel-thin] " + String.join(" ", cmd) + "\n" + run.describe());
      if (run.exitCode() == 1) {
        hostCannotRun("kernel-thin.sh cannot run on this host: " + run.stderr().strip());
      }
      return run;
    } finally {
      for (String f : List.of("inside.sh", "out", "err")) {
        Files.deleteIfExists(work.resolve(f));
      }
      Files.deleteIfExists(work);
    }
  }

  private static Run start(List<String> cmd, Path work) throws IOException {
    Path out = work.resolve("out");
    Path err = work.resolve("err");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    try {
      if (!p.waitFor(TOOL_LIMIT_S, TimeUnit.SECONDS)) {
        p.destroy(); // SIGTERM to the tool only: its exit trap stops its VM by pid
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
        fail(
            "kernel-thin.sh did not finish in "
                + TOOL_LIMIT_S
                + " s:\n"
                + Files.readString(out)
                + Files.readString(err));
      }
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return new Run(
        p.exitValue(),
        Files.readAllLines(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static Path tool() {
    String configured = System.getProperty("thinpool.kernelThin", "");
    if (configured.isBlank()) {
      configured = System.getenv().getOrDefault("THINPOOL_KERNEL_THIN", "");
    }
    Path tool =
        configured.isBlank()
            ? Testdata.shared().resolve("tools").resolve("kernel-thin.sh")
            : Path.of(configured);
    if (!Files.isExecutable(tool)) {
      hostCannotRun(
          "kernel-thin.sh not found at "
              + tool
              + " (set -Dthinpool.kernelThin=PATH or THINPOOL_KERNEL_THIN)");
    }
    return tool;
  }

  /** Fails under CI, skips loudly elsewhere. */
  private static void hostCannotRun(String msg) {
    if ("true".equals(System.getenv("CI"))) {
      fail(msg + ": required under CI");
    }
    System.err.println("SKIPPING: " + msg);
    Assumptions.abort(msg);
  }
}

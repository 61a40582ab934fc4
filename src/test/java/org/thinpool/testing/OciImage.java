package org.thinpool.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;

/**
 * The test image, built offline with umoci around Debian's static busybox, in two layers like a
 * real image: the base layer holds {@code /bin/busybox} and its applets as symlinks; the second
 * adds {@code /data/big} ({@value #BIG_FILE_BYTES} bytes, the same for every build, from a seeded
 * generator) and {@code /data/keep.txt}. {@link #build} returns an OCI archive that {@code ctr
 * image import} takes.
 */
public final class OciImage {
  public static final long BIG_FILE_BYTES = 10L << 20;
  public static final String KEEP_TEXT = "kept in the image\n";

  private static final long BIG_FILE_SEED = 10;

  private OciImage() {}

  /** Builds the image in {@code work} (made if missing); returns the archive. */
  public static Path build(Path work) throws IOException {
    String umoci = ExternalTool.require("umoci");
    String busybox = ExternalTool.find("busybox").orElse(null);
    if (busybox == null || !isStatic(busybox)) {
      String msg = "a static busybox is not installed (Debian package busybox-static)";
      if (ExternalTool.underCi()) {
        throw new AssertionError(msg + ": required under CI");
      }
      System.err.println("SKIPPING: " + msg);
      Assumptions.abort(msg);
    }
    Files.createDirectories(work);
    Path layout = work.resolve("layout");
    String image = layout + ":latest";
    ok(umoci, "init", "--layout", layout.toString());
    ok(umoci, "new", "--image", image);
    Path bundle = work.resolve("bundle");
    ok(umoci, "unpack", "--image", image, bundle.toString());
    Path rootfs = bundle.resolve("rootfs");
    Files.createDirectories(rootfs.resolve("bin"));
    Files.createDirectories(rootfs.resolve("tmp"));
    Files.copy(Path.of(busybox), rootfs.resolve("bin/busybox"));
    for (String applet : ExternalTool.runExecutable(busybox, "--list").stdout().split("\n")) {
      if (!applet.isBlank() && !applet.equals("busybox")) {
        Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet.strip()), Path.of("busybox"));
      }
    }
    ok(umoci, "repack", "--image", image, bundle.toString());
    Files.createDirectories(rootfs.resolve("data"));
    Files.write(rootfs.resolve("data/big"), bigFile());
    Files.writeString(rootfs.resolve("data/keep.txt"), KEEP_TEXT);
    ok(umoci, "repack", "--image", image, bundle.toString());
    ok(umoci, "config", "--image", image, "--config.cmd", "sh", "--config.env", "PATH=/bin");
    Path archive = work.resolve("image.tar");
    ok(
        ExternalTool.require("tar"),
        List.of("-C", layout.toString(), "-cf", archive.toString(), ".").toArray(String[]::new));
    return archive;
  }

  /** The contents of {@code /data/big}. */
  public static byte[] bigFile() {
    byte[] b = new byte[(int) BIG_FILE_BYTES];
    new Random(BIG_FILE_SEED).nextBytes(b);
    return b;
  }

  private static boolean isStatic(String exe) throws IOException {
    // A static binary has no interpreter: ld.so would otherwise be needed inside the container.
    byte[] head = Files.readAllBytes(Path.of(exe));
    return !new String(head, 0, Math.min(head.length, 4096), StandardCharsets.ISO_8859_1)
        .contains("ld-linux");
  }

  private static void ok(String exe, String... args) throws IOException {
    ExternalTool.Result r = ExternalTool.runExecutable(exe, args);
    assertThat(r.exitCode()).as("%s %s: %s", exe, List.of(args), r.all()).isZero();
  }
}

package org.thinpool.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness itself, on containerd's overlayfs snapshotter (the baseline the thinpool container
 * tests and benchmarks compare with): the offline image imports, and a container runs from it and
 * sees both layers.
 */
class ContainerdTest {
  @TempDir Path tmp;

  @Test
  void runsAContainerFromTheOfflineImageOnOverlayfs() throws IOException {
    Path archive = OciImage.build(tmp.resolve("image"));
    try (Containerd c = Containerd.start(tmp.resolve("containerd"), Optional.empty())) {
      c.importImage(archive, "localhost/busybox", "overlayfs");
      assertThat(c.ctrOk("image", "ls", "-q")).contains("localhost/busybox:latest");
      String out =
          c.ctrOk(
              "run",
              "--rm",
              "--snapshotter",
              "overlayfs",
              "localhost/busybox:latest",
              "baseline",
              "sh",
              "-c",
              "cat /data/keep.txt; wc -c < /data/big");
      assertThat(out).isEqualTo(OciImage.KEEP_TEXT + OciImage.BIG_FILE_BYTES + "\n");
      assertThat(c.ctrOk("container", "ls", "-q")).isBlank();
    }
  }
}

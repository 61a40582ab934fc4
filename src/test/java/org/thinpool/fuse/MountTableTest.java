package org.thinpool.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** mountinfo parsing: optional fields, escaped mount points, lines that are not mounts. */
class MountTableTest {
  @Test
  void parsesMountPointsAndTypes() {
    String text =
        """
        22 1 0:21 / /proc rw,nosuid shared:13 - proc proc rw
        90 30 0:52 / /tmp/a\\040b/files rw,nosuid,nodev shared:1 master:2 - fuse.thinpool thinpool rw
        91 30 0:53 / /mnt rw - ext4 /dev/loop3 rw
        garbage
        """;
    assertThat(MountTable.parse(text))
        .containsExactly(
            new MountTable.Mount(Path.of("/proc"), "proc"),
            new MountTable.Mount(Path.of("/tmp/a b/files"), "fuse.thinpool"),
            new MountTable.Mount(Path.of("/mnt"), "ext4"));
    assertThat(MountTable.unescape("a\\011b\\\\c\\05")).isEqualTo("a\tb\\\\c\\05");
  }
}

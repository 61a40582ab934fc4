package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.thinpool.pool.PoolAssertions.KIB;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.filled;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;

/**
 * The metadata assertion cannot hide a failure (issue 8, item 17): our checker runs whether or not
 * thin_check is installed, a missing thin_check neither aborts the test nor passes under CI, and
 * both checkers' findings are reported together.
 */
class PoolAssertionsTest {
  private static final int BLOCK = (int) (64 * KIB);

  @TempDir Path tmp;

  private Path pool(boolean damaged) throws IOException {
    Path dir = tmp.resolve("pool");
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(4 * MIB))) {
      ThinDevice dev = pool.createThin(1, 4 * MIB);
      for (int b = 0; b < 8; b++) {
        dev.write((long) b * BLOCK, filled(512, b + 1));
      }
    }
    if (damaged) {
      Path meta = dir.resolve(ThinPool.METADATA_FILE);
      MetadataImages.flipByte(meta, MetadataImages.mappingLeaves(meta, 1).getFirst(), 200);
    }
    return dir;
  }

  @Test
  void ourCheckerJudgesEvenWithoutThinCheck() throws IOException {
    Path dir = pool(true);
    assertThatThrownBy(() -> assertMetadataClean(dir, Optional.empty(), false))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("PoolCheck")
        .hasMessageContaining("checksum");
  }

  @Test
  void aMissingThinCheckDoesNotAbortTheTestOutsideCi() throws IOException {
    Path dir = pool(false);
    assertThatCode(() -> assertMetadataClean(dir, Optional.empty(), false))
        .doesNotThrowAnyException();
  }

  @Test
  void aMissingThinCheckFailsUnderCi() throws IOException {
    Path dir = pool(false);
    assertThatThrownBy(() -> assertMetadataClean(dir, Optional.empty(), true))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("thin_check is not installed")
        .hasMessageContaining("required under CI=true");
  }

  @Test
  void bothCheckersAreReportedTogether() throws IOException {
    String thinCheck = ExternalTool.require("thin_check");
    Path dir = pool(true);
    assertThatThrownBy(() -> assertMetadataClean(dir, Optional.of(thinCheck), true))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("PoolCheck on")
        .hasMessageContaining("thin_check on");
  }
}

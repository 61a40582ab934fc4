package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.filled;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.thin.ThinMetadata;

/**
 * {@code status} without opening the pool ({@link ThinPool#status(Path, ThinMetadata)}, under the
 * reader's lock) reports what an open's {@link ThinPool#status()} reports, and changes nothing.
 */
class ClosedPoolStatusTest {
  private static final int BLOCK = 64 * 1024;

  @TempDir Path tmp;

  private Path pool(long dataBytes, int blocksWritten) throws IOException {
    Path dir = tmp.resolve("pool");
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(dataBytes))) {
      pool.createThin(1, 16 * MIB);
      pool.device(1).write(0, filled(blocksWritten * BLOCK, 3));
    }
    return dir;
  }

  private static Optional<PoolStatus> closedStatus(Path dir) throws IOException {
    try (Closeable lock = ThinPool.lockForReading(dir);
        ThinMetadata md =
            ThinMetadata.open(FileBlockDevice.openReadOnly(dir.resolve("metadata")), true, 64)) {
      return ThinPool.status(dir, md);
    }
  }

  private static PoolStatus openStatus(Path dir) throws IOException {
    try (ThinPool pool = ThinPool.open(dir)) {
      return pool.status();
    }
  }

  @Test
  void aPoolWithDataReportsAsAnOpenDoesAndIsLeftAsItWas() throws IOException {
    Path dir = pool(16 * MIB, 5);
    byte[] metadata = Files.readAllBytes(dir.resolve("metadata"));
    String sizes = Files.readString(dir.resolve("sizes"));
    PoolStatus closed = closedStatus(dir).orElseThrow();
    assertThat(Files.readAllBytes(dir.resolve("metadata"))).isEqualTo(metadata);
    assertThat(Files.readString(dir.resolve("sizes"))).isEqualTo(sizes);
    assertThat(closed.dataBlocksUsed()).isEqualTo(5);
    assertThat(closed.mode()).isEqualTo(PoolMode.READ_WRITE);
    assertThat(closed).isEqualTo(openStatus(dir));
  }

  @Test
  void noneWhereAnOpenWouldChangeThePoolFirst() throws IOException {
    Path dir = pool(16 * MIB, 2);
    Path sizes = dir.resolve("sizes");
    byte[] recorded = Files.readAllBytes(sizes);
    Files.delete(sizes); // an open adopts the sizes and says so
    assertThat(closedStatus(dir)).isEmpty();
    Files.write(sizes, recorded);
    try (ThinPool pool = ThinPool.open(dir)) {
      pool.createThin(2, MIB); // recorded at the open's next commit
    }
    assertThat(closedStatus(dir)).isPresent();
    Files.writeString(dir.resolve("sizes.restore-tmp"), ""); // a restore to finish
    assertThat(closedStatus(dir)).isEmpty();
    Files.delete(dir.resolve("sizes.restore-tmp"));
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("data").toFile(), "rw")) {
      f.setLength(32 * MIB); // the open grows the pool to it
    }
    assertThat(closedStatus(dir)).isEmpty();
    assertThat(openStatus(dir).dataBlocksTotal()).isEqualTo(32 * MIB / BLOCK);
    assertThat(closedStatus(dir)).contains(openStatus(dir));
  }

  @Test
  void aFullPoolIsOutOfDataSpace() throws IOException {
    Path dir = pool(MIB, 16);
    PoolStatus closed = closedStatus(dir).orElseThrow();
    assertThat(closed.mode()).isEqualTo(PoolMode.OUT_OF_DATA_SPACE);
    assertThat(closed).isEqualTo(openStatus(dir));
  }

  @Test
  void needsCheckMakesItReadOnlyWithTheOpensReason() throws IOException {
    Path dir = pool(16 * MIB, 1);
    try (FileBlockDevice dev = FileBlockDevice.open(dir.resolve("metadata"));
        ThinMetadata md = ThinMetadata.open(dev, false, 64)) {
      md.setNeedsCheck();
    }
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("data").toFile(), "rw")) {
      f.setLength(32 * MIB); // not grown while the metadata needs a check
    }
    PoolStatus closed = closedStatus(dir).orElseThrow();
    assertThat(closed.mode()).isEqualTo(PoolMode.READ_ONLY);
    assertThat(closed.readOnlyReason()).contains("needs_check");
    assertThat(closed.dataBlocksTotal()).isEqualTo(16 * MIB / BLOCK);
    assertThat(closed).isEqualTo(openStatus(dir));
  }
}

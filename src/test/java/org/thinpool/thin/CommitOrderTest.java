package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.thinpool.io.BlockDevice;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.thin.check.PoolCheck;

/**
 * The commit order of {@code TransactionManager#commit}, seen from the device: every block of the
 * transaction is written, then one sync, then the superblock, then one sync. The crash harness
 * ({@link CrashRecoveryTest}) shows the consequence; this test pins the order itself, so a commit
 * that drops the barrier or writes the superblock early fails here by name.
 */
class CommitOrderTest {
  private static final String SYNC = "sync";
  private static final String SUPERBLOCK = "write 0";

  /** Records writes (by metadata block) and syncs. */
  static final class Recording implements BlockDevice {
    final MemoryBlockDevice inner;
    final List<String> ops = new ArrayList<>();

    Recording(MemoryBlockDevice inner) {
      this.inner = inner;
    }

    @Override
    public long sizeBytes() {
      return inner.sizeBytes();
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) {
      inner.read(offsetBytes, dst);
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src) {
      assertThat(offsetBytes % 4096).isZero();
      assertThat(src.remaining()).isEqualTo(4096);
      ops.add("write " + offsetBytes / 4096);
      inner.write(offsetBytes, src);
    }

    @Override
    public void sync() {
      ops.add(SYNC);
    }

    @Override
    public void discard(long offsetBytes, long lengthBytes) {
      throw new AssertionError("metadata is never discarded");
    }

    @Override
    public void resize(long sizeBytes) {
      inner.resize(sizeBytes);
    }

    @Override
    public void close() {}
  }

  @Test
  void everyBlockIsWrittenAndSyncedBeforeTheSuperblockWhichIsSyncedLast() throws IOException {
    Recording dev = new Recording(new MemoryBlockDevice(4L << 20));
    Random rng = new Random(11);
    try (ThinMetadata md = ThinMetadata.format(dev, 128, 100_000, 32)) {
      for (int round = 0; round < 12; round++) {
        md.createThin(round);
        for (int i = 0; i < 400; i++) {
          md.insertMapping(rng.nextInt(round + 1), rng.nextInt(5000), md.allocDataBlock());
        }
        if (round % 3 == 2) {
          md.createSnap(100 + round, round);
          md.removeRange(round, 0, 2000);
        }
        dev.ops.clear();
        long writtenBefore = md.blockManager().blocksWritten();
        md.commit();
        List<String> ops = dev.ops;
        int n = ops.size();
        assertThat(ops.subList(n - 3, n))
            .as("round %d", round)
            .containsExactly(SYNC, SUPERBLOCK, SYNC);
        List<String> body = ops.subList(0, n - 3);
        assertThat(body).as("round %d", round).isNotEmpty().doesNotContain(SYNC, SUPERBLOCK);
        Set<String> distinct = new HashSet<>(body);
        assertThat(distinct).as("each dirty block written once").hasSameSizeAs(body);
        assertThat(md.blockManager().blocksWritten() - writtenBefore).isEqualTo(n - 2);
        assertThat(PoolCheck.run(dev.inner.copy()).problems()).isEmpty();
      }
    }
  }
}

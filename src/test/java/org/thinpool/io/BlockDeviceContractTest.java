package org.thinpool.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link BlockDevice} contract, run for every implementation that needs no privileges (the raw
 * block device runs it through {@code DirectModeTest}): writes and reads of any length at any
 * offset, spanning pages, round-trip; unwritten bytes and discarded whole ranges read as zero.
 */
abstract class BlockDeviceContractTest {
  static final long SIZE_BYTES = 1L << 20;

  abstract BlockDevice newDevice() throws IOException;

  @Test
  void unalignedWritesSpanningPagesReadBackAndTheRestIsZero() throws IOException {
    try (BlockDevice dev = newDevice()) {
      byte[] model = new byte[(int) SIZE_BYTES];
      Random rng = new Random(7);
      for (int i = 0; i < 200; i++) {
        int len = 1 + rng.nextInt(10_000);
        int off = rng.nextInt(model.length - len);
        byte[] b = new byte[len];
        rng.nextBytes(b);
        dev.write(off, ByteBuffer.wrap(b));
        System.arraycopy(b, 0, model, off, len);
      }
      dev.sync();
      for (int i = 0; i < 200; i++) {
        int len = 1 + rng.nextInt(10_000);
        int off = rng.nextInt(model.length - len);
        ByteBuffer got = ByteBuffer.allocate(len);
        dev.read(off, got);
        assertThat(got.hasRemaining()).isFalse();
        byte[] want = java.util.Arrays.copyOfRange(model, off, off + len);
        assertThat(got.array()).as("%d bytes at %d", len, off).isEqualTo(want);
      }
    }
  }

  @Test
  void aDiscardedRangeReadsAsZero() throws IOException {
    try (BlockDevice dev = newDevice()) {
      byte[] ones = new byte[3 * 65536];
      java.util.Arrays.fill(ones, (byte) 1);
      dev.write(0, ByteBuffer.wrap(ones));
      dev.discard(65536, 65536);
      ByteBuffer got = ByteBuffer.allocate(ones.length);
      dev.read(0, got);
      for (int i = 0; i < ones.length; i++) {
        int want = i >= 65536 && i < 2 * 65536 ? 0 : 1;
        assertThat(got.get(i)).as("byte %d", i).isEqualTo((byte) want);
      }
    }
  }

  @Test
  void copiesAsAReadAndAWriteWould() throws IOException {
    try (BlockDevice dev = newDevice()) {
      byte[] model = new byte[(int) SIZE_BYTES];
      Random rng = new Random(11);
      rng.nextBytes(model);
      dev.write(0, ByteBuffer.wrap(model.clone()));
      dev.discard(SIZE_BYTES / 2, 65536); // a hole to copy from: it copies as zeros
      java.util.Arrays.fill(model, (int) SIZE_BYTES / 2, (int) SIZE_BYTES / 2 + 65536, (byte) 0);
      for (int i = 0; i < 100; i++) {
        int len = 1 + rng.nextInt(70_000);
        int src = rng.nextInt(model.length - len);
        int dst = rng.nextInt(model.length - len);
        if (Math.abs(src - dst) < len) {
          continue; // ranges must not overlap
        }
        dev.copy(src, dst, len);
        System.arraycopy(model, src, model, dst, len);
      }
      ByteBuffer got = ByteBuffer.allocate(model.length);
      dev.read(0, got);
      assertThat(got.array()).isEqualTo(model);
    }
  }

  @Test
  void aRangeIsAHoleUntilWrittenEvenWithZerosAndAgainAfterADiscard() throws IOException {
    try (BlockDevice dev = newDevice()) {
      assertThat(dev.isHole(0, SIZE_BYTES / 2)).as("a new device").isTrue();
      dev.write(65536 + 100, ByteBuffer.wrap(new byte[] {1}));
      assertThat(dev.isHole(65536, 65536)).as("one byte written").isFalse();
      assertThat(dev.isHole(0, 65537)).as("a range ending after it").isFalse();
      assertThat(dev.isHole(0, 65536)).as("the range before it").isTrue();
      assertThat(dev.isHole(131072, 65536)).as("the range after it").isTrue();
      dev.write(262144, ByteBuffer.allocate(4096));
      assertThat(dev.isHole(262144 - 8192, 65536)).as("zeros written are data").isFalse();
      dev.discard(65536, 65536);
      assertThat(dev.isHole(65536, 65536)).as("discarded").isTrue();
    }
  }

  @Test
  void readIfCachedReadsWhatReadReadsWhereItNeedsNoWait() throws IOException {
    try (BlockDevice dev = newDevice()) {
      byte[] b = new byte[70_000];
      new Random(3).nextBytes(b);
      dev.write(4096 + 7, ByteBuffer.wrap(b)); // just written: in the page cache
      ByteBuffer got = ByteBuffer.allocateDirect(b.length + 100);
      assertThat(dev.readIfCached(4096 + 7, got)).isTrue();
      assertThat(got.hasRemaining()).isFalse();
      byte[] want = java.util.Arrays.copyOf(b, b.length + 100);
      byte[] have = new byte[want.length];
      got.flip().get(have);
      assertThat(have).isEqualTo(want);
    }
  }

  static final class Memory extends BlockDeviceContractTest {
    @Override
    BlockDevice newDevice() {
      return new MemoryBlockDevice(SIZE_BYTES);
    }

    @Test
    void aPartialDiscardZeroesOnlyItsBytes() {
      MemoryBlockDevice dev = new MemoryBlockDevice(SIZE_BYTES);
      dev.write(4090, ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
      dev.discard(4094, 4);
      ByteBuffer got = ByteBuffer.allocate(10);
      dev.read(4090, got);
      assertThat(got.array()).containsExactly(1, 2, 3, 4, 0, 0, 0, 0, 9, 10);
      assertThat(dev.allocatedPages()).isEqualTo(2);
    }
  }

  static final class File extends BlockDeviceContractTest {
    @TempDir Path dir;

    @Override
    BlockDevice newDevice() throws IOException {
      return FileBlockDevice.create(dir.resolve("dev"), SIZE_BYTES);
    }

    @Test
    void preallocationReservesSpaceAndChangesNoByteNorTheSize() throws IOException {
      Path file = dir.resolve("sparse");
      try (FileBlockDevice dev = FileBlockDevice.create(file, SIZE_BYTES)) {
        dev.write(4096, ByteBuffer.wrap(new byte[] {7, 7, 7}));
        long before = allocatedBytes(file);
        assertThat(dev.preallocate(0, SIZE_BYTES)).isTrue();
        assertThat(allocatedBytes(file)).isGreaterThanOrEqualTo(before + SIZE_BYTES - 8192);
        assertThat(dev.sizeBytes()).isEqualTo(SIZE_BYTES);
        ByteBuffer got = ByteBuffer.allocate(8192);
        dev.read(0, got);
        byte[] want = new byte[8192];
        want[4096] = want[4097] = want[4098] = 7;
        assertThat(got.array()).isEqualTo(want);
      }
    }

    /** The file's allocated bytes (st_blocks * 512), from stat(1). */
    private static long allocatedBytes(Path file) throws IOException {
      Process p = new ProcessBuilder("stat", "-c", "%b", file.toString()).start();
      try {
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IOException("stat did not finish");
        }
        String out =
            new String(
                p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        return Long.parseLong(out.trim()) * 512;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }

    @Test
    void aRangeOutOfThePageCacheIsNotReadByReadIfCached() throws Exception {
      Path file = dir.resolve("cold");
      byte[] b = new byte[1 << 20];
      new Random(4).nextBytes(b);
      try (FileBlockDevice dev = FileBlockDevice.create(file, SIZE_BYTES)) {
        dev.write(0, ByteBuffer.wrap(b));
        dev.sync();
        Process p =
            new ProcessBuilder("dd", "if=" + file, "iflag=nocache", "count=0", "status=none")
                .start(); // drops the file's clean pages from the page cache
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        ByteBuffer got = ByteBuffer.allocateDirect(65536);
        got.position(10);
        assertThat(dev.readIfCached(512 << 10, got)).as("evicted").isFalse();
        assertThat(got.position()).isEqualTo(10);
        dev.read(512 << 10, got); // from the storage: cached from now on
        got.clear().position(10);
        assertThat(dev.readIfCached(512 << 10, got)).as("read once since").isTrue();
        byte[] have = new byte[65536 - 10];
        got.flip().position(10);
        got.get(have);
        assertThat(have)
            .isEqualTo(java.util.Arrays.copyOfRange(b, 512 << 10, (512 << 10) + have.length));
        assertThat(dev.readIfCached(0, ByteBuffer.allocate(10))).as("a heap buffer").isFalse();
      }
    }

    @Test
    void readingPastTheEndOfTheFileGivesZeros() throws IOException {
      try (BlockDevice dev = FileBlockDevice.create(dir.resolve("short"), 10)) {
        dev.write(0, ByteBuffer.wrap(new byte[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
        ByteBuffer got = ByteBuffer.allocate(20);
        dev.read(5, got);
        assertThat(got.hasRemaining()).isFalse();
        assertThat(got.array())
            .containsExactly(1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
      }
    }
  }
}

package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A partial first write into a new data block writes only its bytes when the block is a hole of the
 * data file (it reads as zeros already), and zero-fills the block as before whenever the block may
 * hold old bytes: freed without a punch (nopassdown or ignore discards, deletes), or written behind
 * the pool's back (a punch lost in a crash, a restored pool over an old file). Stale bytes of
 * another device must never be readable.
 */
class HoleFillTest {
  private static final int BLOCK = 64 * 1024;
  private static final int PAGE = 4096;

  @TempDir Path dir;

  private DataPathTest.Probe probe;

  private ThinPool create(PoolOptions options) throws IOException {
    PoolHooks hooks =
        PoolHooks.NONE.withDevices(
            PoolHooks.AS_IS, (path, dev) -> probe = new DataPathTest.Probe(dev));
    return ThinPool.create(dir.resolve("pool"), options, hooks);
  }

  /** A block of zeros with {@code page} at byte {@code at}. */
  private static byte[] zerosAround(byte[] page, int at) {
    byte[] want = new byte[BLOCK];
    System.arraycopy(page, 0, want, at, page.length);
    return want;
  }

  @Test
  void partialFirstWritesIntoHolesWriteOnlyTheirBytesAndKeepTheFileSparse() throws IOException {
    int blocks = 200;
    try (ThinPool pool = create(PoolOptions.ofDataSize(64 * MIB))) {
      ThinDevice dev = pool.createThin(1, 64 * MIB);
      pool.commit();
      long before = probe.bytesWritten.get();
      for (int i = 0; i < blocks; i++) {
        dev.write((long) (i * 5 % 1024) * BLOCK + 2 * PAGE, bytes(i, PAGE));
      }
      assertThat(probe.bytesWritten.get() - before)
          .as("bytes written to the data file by %d first writes of 4 KiB", blocks)
          .isEqualTo((long) blocks * PAGE);
      pool.commit();
      for (int i = 0; i < blocks; i++) {
        assertThat(read(dev, (long) (i * 5 % 1024) * BLOCK, BLOCK))
            .as("block %d", i * 5 % 1024)
            .isEqualTo(zerosAround(bytes(i, PAGE), 2 * PAGE));
      }
    }
    long allocated = PoolAssertions.allocatedBytes(dir.resolve("pool").resolve(ThinPool.DATA_FILE));
    assertThat(allocated)
        .as("the data file's allocated bytes (zero-filled blocks would be %d)", blocks * BLOCK)
        .isLessThanOrEqualTo(2L * blocks * PAGE);
    assertMetadataClean(dir.resolve("pool"));
  }

  /** How the blocks of device 1 are freed before device 2 takes them. */
  enum Freeing {
    DISCARD_NOPASSDOWN(DiscardMode.NOPASSDOWN, false, false),
    DELETE_NOPASSDOWN(DiscardMode.NOPASSDOWN, true, false),
    DELETE_IGNORE(DiscardMode.IGNORE, true, false),
    DISCARD_PASSDOWN(DiscardMode.PASSDOWN, false, true),
    DELETE_PASSDOWN(DiscardMode.PASSDOWN, true, true);

    final DiscardMode mode;
    final boolean delete;
    final boolean punched;

    Freeing(DiscardMode mode, boolean delete, boolean punched) {
      this.mode = mode;
      this.delete = delete;
      this.punched = punched;
    }
  }

  @ParameterizedTest
  @EnumSource(Freeing.class)
  void aReusedBlockReadsZerosAroundAPartialWriteAndIsZeroFilledUnlessPunched(Freeing how)
      throws IOException {
    int blocks = 16; // the whole pool: device 2 can only get device 1's old blocks
    PoolOptions options =
        PoolOptions.ofDataSize((long) blocks * BLOCK).withDiscardMode(how.mode).withZeroing(true);
    try (ThinPool pool = create(options)) {
      ThinDevice old = pool.createThin(1, (long) blocks * BLOCK);
      byte[] secret = new byte[blocks * BLOCK];
      Arrays.fill(secret, (byte) 0xA5);
      old.write(0, secret);
      pool.commit();
      if (how.delete) {
        pool.delete(1);
      } else {
        old.discard(0, (long) blocks * BLOCK);
      }
      pool.commit();
      ThinDevice dev = pool.createThin(2, (long) blocks * BLOCK);
      long before = probe.bytesWritten.get();
      for (int b = 0; b < blocks; b++) {
        dev.write((long) b * BLOCK + PAGE, bytes(b, PAGE));
      }
      assertThat(probe.bytesWritten.get() - before)
          .as("bytes written by %d first writes of 4 KiB into reused blocks", blocks)
          .isEqualTo((long) blocks * (how.punched ? PAGE : BLOCK));
      assertThat(pool.status().dataBlocksUsed()).isEqualTo(blocks);
      for (int b = 0; b < blocks; b++) {
        assertThat(read(dev, (long) b * BLOCK, BLOCK))
            .as("block %d: no byte of device 1", b)
            .isEqualTo(zerosAround(bytes(b, PAGE), PAGE));
      }
    }
    assertMetadataClean(dir.resolve("pool"));
  }

  @Test
  void freeBlocksHoldingBytesThePoolNeverWroteAreZeroFilled() throws IOException {
    int blocks = 16;
    Path poolDir = dir.resolve("pool");
    try (ThinPool pool = create(PoolOptions.ofDataSize((long) blocks * BLOCK))) {
      pool.createThin(1, (long) blocks * BLOCK);
    }
    // As a punch lost in a host crash leaves them, or an old file under a restored pool.
    byte[] junk = new byte[blocks * BLOCK];
    Arrays.fill(junk, (byte) 0xEE);
    try (FileChannel ch =
        FileChannel.open(poolDir.resolve(ThinPool.DATA_FILE), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(junk), 0);
      ch.force(true);
    }
    try (ThinPool pool = ThinPool.open(poolDir)) {
      ThinDevice dev = pool.device(1);
      for (int b = 0; b < blocks; b++) {
        dev.write((long) b * BLOCK + 3 * PAGE, bytes(b + 100, PAGE));
      }
      pool.commit();
      for (int b = 0; b < blocks; b++) {
        assertThat(read(dev, (long) b * BLOCK, BLOCK))
            .as("block %d", b)
            .isEqualTo(zerosAround(bytes(b + 100, PAGE), 3 * PAGE));
      }
    }
    assertMetadataClean(poolDir);
  }
}

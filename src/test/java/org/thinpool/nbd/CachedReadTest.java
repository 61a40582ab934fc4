package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.ThinPool;

/**
 * A small READ whose data is in the host's page cache is answered by the connection's reader, a
 * platform thread, with no hand-off to a request thread; one whose data must come from the storage
 * still runs on a request thread of its own, so it does not hold up the connection.
 */
class CachedReadTest {
  private static final int BLOCK = 64 << 10;
  private static final int READ = 4096;

  /**
   * Block k of the device holds data; 1 MiB apart, so the host's read-ahead of one misses the next.
   */
  private static final int STRIDE_BLOCKS = 16;

  private static final int BLOCKS = 16;

  @TempDir Path tmp;

  /** Whether each READ was served on a request thread, in reply order. */
  private final ServingThreads observer = new ServingThreads("read");

  @Test
  void cachedReadsAreAnsweredByTheReaderAndUncachedOnesByRequestThreads() throws Exception {
    byte[][] blocks = new byte[BLOCKS][BLOCK];
    Random rng = new Random(5);
    try (ServedPool s = new ServedPool(observer, tmp.resolve("p"), 64 << 20, false, 16 << 20);
        RawClient c = s.client().greet().go("1", false)) {
      for (int k = 0; k < BLOCKS; k++) {
        rng.nextBytes(blocks[k]);
        c.write(k, offset(k), blocks[k], 0);
        assertThat(c.simpleReply().error()).isZero();
      }
      c.request(0, Nbd.CMD_FLUSH, 99, 0, 0); // commits: the data file is synced, its pages clean
      assertThat(c.simpleReply().error()).isZero();
      readAll(c, blocks);
      assertThat(List.copyOf(observer.byRequestThread()))
          .as("reads of data just written (cached): none on a request thread")
          .hasSize(BLOCKS)
          .containsOnly(false);
      observer.byRequestThread().clear();
      evictFromPageCache(s.dir.resolve(ThinPool.DATA_FILE));
      readAll(c, blocks);
      assertThat(List.copyOf(observer.byRequestThread()).stream().filter(v -> v).count())
          .as("reads of data evicted from the page cache served on request threads")
          .isGreaterThanOrEqualTo(BLOCKS / 2);
    }
  }

  @Test
  void largeCachedReadsAreAnsweredByTheReaderButNotThoseWithHolesOrOverOneMib() throws Exception {
    int mib = 1 << 20;
    byte[] data = new byte[mib];
    new Random(6).nextBytes(data);
    try (ServedPool s = new ServedPool(observer, tmp.resolve("p"), 64 << 20, false, 4 << 20)) {
      try (RawClient c = s.client().greet().go("1", true)) {
        c.write(1, 0, data, 0); // [0, 1M) written, [1M, 4M) a hole
        assertThat(c.chunk().error()).isZero();
        observer.byRequestThread().clear();

        for (int cookie = 3; cookie < 5; cookie++) { // every one, not only the connection's first
          c.request(0, Nbd.CMD_READ, cookie, 0, mib);
          RawClient.Chunk whole = c.chunk();
          assertThat(whole.cookie()).isEqualTo(cookie);
          assertThat(whole.type()).isEqualTo(Nbd.REPLY_TYPE_OFFSET_DATA);
          assertThat(whole.done()).isTrue();
          assertThat(whole.payload().getLong()).isZero();
          byte[] got = new byte[mib];
          whole.payload().get(got);
          assertThat(got).isEqualTo(data);
          assertThat(observer.byRequestThread().poll()).as("1 MiB, cached, mapped").isFalse();
        }

        c.request(0, Nbd.CMD_READ, 5, mib / 2, mib); // half data, half hole
        RawClient.Chunk first = c.chunk();
        RawClient.Chunk second = first.done() ? first : c.chunk();
        assertThat(List.of(first.type(), second.type()))
            .containsExactlyInAnyOrder(Nbd.REPLY_TYPE_OFFSET_DATA, Nbd.REPLY_TYPE_OFFSET_HOLE);
        assertThat(observer.byRequestThread().poll()).as("with a hole").isTrue();

        c.request(0, Nbd.CMD_READ, 6, 0, mib + READ);
        for (RawClient.Chunk k = c.chunk(); !k.done(); k = c.chunk()) {
          assertThat(k.error()).isZero();
        }
        assertThat(observer.byRequestThread().poll()).as("over 1 MiB").isTrue();
      }
      try (RawClient simple = s.client().greet().go("1", false)) {
        simple.request(0, Nbd.CMD_READ, 7, mib / 2, mib); // simple replies: zeros for the hole
        RawClient.Simple r = simple.simpleReply();
        assertThat(r.error()).isZero();
        assertThat(r.cookie()).isEqualTo(7);
        byte[] expected = new byte[mib];
        System.arraycopy(data, mib / 2, expected, 0, mib / 2);
        assertThat(simple.bytes(mib)).isEqualTo(expected);
        assertThat(observer.byRequestThread().poll()).as("simple reply, cached").isFalse();
      }
    }
  }

  private static long offset(int k) {
    return (long) k * STRIDE_BLOCKS * BLOCK;
  }

  /** Reads 4 KiB from the middle of each block, one request at a time, and checks them. */
  private static void readAll(RawClient c, byte[][] blocks) throws IOException {
    for (int k = 0; k < blocks.length; k++) {
      c.request(0, Nbd.CMD_READ, 1000 + k, offset(k) + 8192, READ);
      RawClient.Simple r = c.simpleReply();
      assertThat(r.error()).isZero();
      assertThat(r.cookie()).isEqualTo(1000 + k);
      assertThat(c.bytes(READ)).isEqualTo(Arrays.copyOfRange(blocks[k], 8192, 8192 + READ));
    }
  }

  /** {@code dd iflag=nocache count=0}: drops the file's clean pages from the page cache. */
  static void evictFromPageCache(Path file) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("dd", "if=" + file, "iflag=nocache", "count=0", "status=none")
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue())
        .as(new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
        .isZero();
  }
}

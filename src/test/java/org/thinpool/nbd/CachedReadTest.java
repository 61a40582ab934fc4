package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
  void largeCachedReadsBesideOneOnARequestThreadAreAnsweredByTheReaderButNotThoseWithHoles()
      throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(cores).as("a request thread beside the reader needs a second core").isGreaterThan(1);
    int mib = 1 << 20;
    int held = mib - READ; // the length of the large read each connection keeps aside
    AtomicReference<CountDownLatch> release = new AtomicReference<>(new CountDownLatch(1));
    NbdObserver holding =
        new NbdObserver() {
          @Override
          public void request(String command, long bytes, long nanos, int error) {
            observer.request(command, bytes, nanos, error);
            if (bytes == held && Thread.currentThread().isVirtual()) {
              try {
                release.get().await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }
        };
    byte[] data = new byte[mib];
    new Random(6).nextBytes(data);
    try (ServedPool s = new ServedPool(holding, tmp.resolve("p"), 64 << 20, false, 4 << 20)) {
      try (RawClient c = s.client().greet().go("1", true)) {
        c.write(1, 0, data, 0); // [0, 1M) written, [1M, 4M) a hole
        assertThat(c.chunk().error()).isZero();
        holdOneAside(c, held);

        c.request(0, Nbd.CMD_READ, 3, 0, mib);
        RawClient.Chunk whole = c.chunk();
        assertThat(whole.cookie()).isEqualTo(3);
        assertThat(whole.type()).isEqualTo(Nbd.REPLY_TYPE_OFFSET_DATA);
        assertThat(whole.done()).isTrue();
        assertThat(whole.payload().getLong()).isZero();
        byte[] got = new byte[mib];
        whole.payload().get(got);
        assertThat(got).isEqualTo(data);
        assertThat(observer.byRequestThread().poll()).as("1 MiB, cached, mapped").isFalse();

        c.request(0, Nbd.CMD_READ, 4, mib / 2, mib); // half data, half hole
        RawClient.Chunk first = c.chunk();
        RawClient.Chunk second = first.done() ? first : c.chunk();
        assertThat(List.of(first.type(), second.type()))
            .containsExactlyInAnyOrder(Nbd.REPLY_TYPE_OFFSET_DATA, Nbd.REPLY_TYPE_OFFSET_HOLE);
        assertThat(observer.byRequestThread().poll()).as("with a hole").isTrue();

        c.request(0, Nbd.CMD_READ, 5, 0, mib + READ);
        for (RawClient.Chunk k = c.chunk(); !k.done(); k = c.chunk()) {
          assertThat(k.error()).isZero();
        }
        assertThat(observer.byRequestThread().poll()).as("over 1 MiB").isTrue();
        release.get().countDown();
        assertThat(c.chunk().cookie()).as("the held read, answered last").isEqualTo(2);
      }
      release.set(new CountDownLatch(1));
      awaitTrue(() -> s.server.connectionCount() == 0); // the first one's close seen: one open
      try (RawClient simple = s.client().greet().go("1", false)) {
        holdOneAside(simple, held);
        simple.request(0, Nbd.CMD_READ, 6, mib / 2, mib); // simple replies: zeros for the hole
        RawClient.Simple r = simple.simpleReply();
        assertThat(r.error()).isZero();
        assertThat(r.cookie()).isEqualTo(6);
        byte[] expected = new byte[mib];
        System.arraycopy(data, mib / 2, expected, 0, mib / 2);
        assertThat(simple.bytes(mib)).isEqualTo(expected);
        assertThat(observer.byRequestThread().poll()).as("simple reply, cached").isFalse();
        release.get().countDown();
        assertThat(simple.simpleReply().cookie()).isEqualTo(2);
        assertThat(simple.bytes(held)).isEqualTo(Arrays.copyOf(data, held));
      }
      List<RawClient> clients = new ArrayList<>();
      try {
        for (int i = 0; i < cores; i++) {
          clients.add(s.client().greet().go("1", true));
        }
        clients.get(0).request(0, Nbd.CMD_READ, 7, 0, mib);
        assertThat(clients.get(0).chunk().cookie()).isEqualTo(7);
        assertThat(observer.byRequestThread().poll())
            .as("as many connections as cores: none aside")
            .isFalse();
      } finally {
        for (RawClient c : clients) {
          c.close();
        }
      }
    } finally {
      release.get().countDown();
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 60 s").isLessThan(deadline);
      Thread.sleep(1);
    }
  }

  /** Sends a large read the server keeps on a request thread (the observer holds it there). */
  private void holdOneAside(RawClient c, int held) throws Exception {
    observer.byRequestThread().clear();
    c.request(0, Nbd.CMD_READ, 2, 0, held);
    awaitTrue(() -> !observer.byRequestThread().isEmpty());
    assertThat(observer.byRequestThread().poll())
        .as("the connection's first large read: on a request thread")
        .isTrue();
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

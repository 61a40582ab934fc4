package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.ThinPool;

/**
 * A small WRITE of whole pages over a block already mapped to the device alone is answered by the
 * connection's reader, a platform thread, with no hand-off to a request thread; a first write
 * (provisioning), a write into a block shared with a snapshot (copy-on-write), a FUA write and a
 * write of part of a page still run on request threads. Whichever thread serves it, the data is the
 * same: many writes in flight at once, overwrites, first writes and copies mixed, read back as
 * written while the snapshot keeps its old contents.
 */
class InPlaceWriteTest {
  private static final int BLOCK = 64 << 10;
  private static final int PAGE = 4096;
  private static final int BLOCKS = 64;
  private static final long DEVICE_BYTES = (long) BLOCKS * BLOCK;

  @TempDir Path tmp;

  /** Whether each WRITE was served on a request thread, in reply order. */
  private final ServingThreads observer = new ServingThreads("write");

  @Test
  void overwritesInPlaceAreAnsweredByTheReaderAndEveryOtherWriteByRequestThreads()
      throws Exception {
    byte[] page = new byte[PAGE];
    new Random(3).nextBytes(page);
    try (ServedPool s = new ServedPool(observer, tmp.resolve("p"), 64 << 20, false, DEVICE_BYTES);
        RawClient c = s.client().greet().go("1", false)) {
      assertThat(served(c, 0, 0, page)).as("first write: provisions").isTrue();
      assertThat(served(c, 0, 0, page)).as("overwrite in place").isFalse();
      assertThat(served(c, 0, 3 * PAGE, page)).as("another page of the same block").isFalse();
      assertThat(served(c, 0, 512, page)).as("part of two pages").isTrue();
      assertThat(served(c, Nbd.CMD_FLAG_FUA, 0, page)).as("FUA: commits").isTrue();
      s.pool.createSnapshot(2, 1);
      assertThat(served(c, 0, 0, page)).as("shared with the snapshot: copies").isTrue();
      assertThat(served(c, 0, PAGE, page)).as("the copy, overwritten in place").isFalse();
    }
  }

  @Test
  void manyWritesInFlightReadBackAsWrittenWhicheverThreadServesThem() throws Exception {
    Random rng = new Random(11);
    byte[] origin = new byte[(int) DEVICE_BYTES];
    rng.nextBytes(origin);
    try (ServedPool s = new ServedPool(observer, tmp.resolve("p"), 64 << 20, false, DEVICE_BYTES);
        RawClient c = s.client().greet().go("1", false)) {
      // the first half of the device written (then shared with the snapshot), the rest unmapped
      for (int b = 0; b < BLOCKS / 2; b++) {
        c.write(b, (long) b * BLOCK, Arrays.copyOfRange(origin, b * BLOCK, (b + 1) * BLOCK), 0);
        assertThat(c.simpleReply().error()).isZero();
      }
      s.pool.createSnapshot(2, 1);
      byte[] model = origin.clone();
      Arrays.fill(model, BLOCKS / 2 * BLOCK, model.length, (byte) 0);
      for (int round = 0; round < 4; round++) {
        writeDistinctPagesAtOnce(c, rng, model, 400);
      }
      assertThat(observer.byRequestThread())
          .as("both kinds of thread served writes")
          .contains(true, false);
      c.request(0, Nbd.CMD_READ, 7, 0, DEVICE_BYTES);
      assertThat(c.simpleReply().error()).isZero();
      assertThat(Arrays.equals(c.bytes((int) DEVICE_BYTES), model)).isTrue();
    }
    try (ThinPool pool = ThinPool.open(tmp.resolve("p"))) {
      byte[] snap = new byte[BLOCKS / 2 * BLOCK];
      pool.device(2).read(0, snap);
      assertThat(Arrays.equals(snap, Arrays.copyOf(origin, snap.length)))
          .as("the snapshot keeps the origin's old data")
          .isTrue();
    }
    assertThat(ThinPool.checkAndClearNeedsCheck(tmp.resolve("p")).clean()).isTrue();
  }

  /**
   * Sends {@code count} 4 KiB writes to distinct random pages (of any block: unmapped, shared or
   * already copied) without waiting, then takes every reply; the model gets each page's data.
   */
  private static void writeDistinctPagesAtOnce(RawClient c, Random rng, byte[] model, int count)
      throws IOException {
    Set<Integer> pages = new HashSet<>();
    while (pages.size() < count) {
      pages.add(rng.nextInt(model.length / PAGE));
    }
    Map<Long, Integer> byCookie = new HashMap<>();
    List<Integer> order = new ArrayList<>(pages);
    for (int i = 0; i < order.size(); i++) {
      byte[] data = new byte[PAGE];
      rng.nextBytes(data);
      int p = order.get(i);
      System.arraycopy(data, 0, model, p * PAGE, PAGE);
      c.write(100 + i, (long) p * PAGE, data, 0);
      byCookie.put(100L + i, p);
    }
    for (int i = 0; i < order.size(); i++) {
      RawClient.Simple r = c.simpleReply();
      assertThat(r.error()).isZero();
      assertThat(byCookie.remove(r.cookie())).isNotNull();
    }
  }

  /** Writes and waits for the reply; true if a request thread served it. */
  private boolean served(RawClient c, int flags, long offset, byte[] data) throws IOException {
    observer.byRequestThread().clear();
    c.write(1, offset, data, flags);
    assertThat(c.simpleReply().error()).isZero();
    assertThat(observer.byRequestThread()).hasSize(1);
    return observer.byRequestThread().peek();
  }
}

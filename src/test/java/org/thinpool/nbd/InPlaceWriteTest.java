package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.ThinPool;

/**
 * A WRITE of whole pages, up to 1 MiB, over blocks already mapped to the device alone (to
 * consecutive data blocks), a first write inside one unmapped block, or a write of whole blocks
 * that all need new ones (unmapped or shared: one run of new data blocks, nothing copied) is
 * answered by the connection's reader, a platform thread, with no hand-off to a request thread; a
 * larger one, a write over mapped and new blocks together, a first write of parts of blocks
 * spanning two, a write into part of a block shared with a snapshot (copy-on-write), a write that
 * finds the pool full, a FUA write and a write of part of a page still run on request threads.
 * Whichever thread serves it, the data is the same: many writes in flight at once, overwrites,
 * first writes and copies mixed, read back as written while the snapshot keeps its old contents.
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
  void overwritesAndFirstWritesOfOneBlockAreAnsweredByTheReaderAndOtherWritesByRequestThreads()
      throws Exception {
    byte[] page = new byte[PAGE];
    new Random(3).nextBytes(page);
    try (ServedPool s = new ServedPool(observer, tmp.resolve("p"), 64 << 20, false, DEVICE_BYTES);
        RawClient c = s.client().greet().go("1", false)) {
      assertThat(served(c, 0, 0, page)).as("first write inside one block: provisions").isFalse();
      assertThat(served(c, 0, 0, page)).as("overwrite in place").isFalse();
      assertThat(served(c, 0, 3 * PAGE, page)).as("another page of the same block").isFalse();
      assertThat(served(c, 0, 512, page)).as("part of two pages").isTrue();
      assertThat(served(c, Nbd.CMD_FLAG_FUA, 0, page)).as("FUA: commits").isTrue();
      byte[] mib = new byte[1 << 20];
      new Random(4).nextBytes(mib);
      assertThat(served(c, 0, 0, mib)).as("1 MiB, blocks 1-15 unmapped").isTrue();
      assertThat(served(c, 0, 0, mib)).as("1 MiB over 16 blocks in place").isFalse();
      assertThat(served(c, 0, 4 * PAGE, mib)).as("1 MiB reaching unmapped block 16").isTrue();
      assertThat(served(c, 0, BLOCK, mib)).as("1 MiB, all mapped now").isFalse();
      assertThat(served(c, 0, 24L * BLOCK, mib))
          .as("1 MiB, blocks 24-39 unmapped: a run")
          .isFalse();
      long fresh = 40L * BLOCK;
      assertThat(served(c, 0, fresh + 2 * PAGE, page)).as("first write inside block 40").isFalse();
      byte[] two = new byte[2 * PAGE];
      assertThat(served(c, 0, fresh + 2 * BLOCK - PAGE, two))
          .as("first write, blocks 41-42")
          .isTrue();
      byte[] over = new byte[(1 << 20) + PAGE];
      assertThat(served(c, 0, 0, over)).as("over 1 MiB").isTrue();
      s.pool.createSnapshot(2, 1);
      assertThat(served(c, 0, 0, page)).as("shared with the snapshot: copies").isTrue();
      assertThat(served(c, 0, PAGE, page)).as("the copy, overwritten in place").isFalse();
      assertThat(served(c, 0, 0, mib)).as("1 MiB, blocks 1-15 shared").isTrue();
      assertThat(served(c, 0, 0, mib)).as("1 MiB over the copies").isFalse();
      assertThat(served(c, 0, 24L * BLOCK, mib))
          .as("1 MiB over 16 whole shared blocks: new ones, nothing copied")
          .isFalse();
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
        writeDistinctPagesAtOnce(c, rng, model, 400, 1);
        writeDistinctPagesAtOnce(c, rng, model, 12, 256); // 4 KiB to 1 MiB each
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
   * Sends {@code count} writes of 1 to {@code maxPages} whole pages to distinct random ranges (of
   * any blocks: unmapped, shared or already copied) without waiting, then takes every reply; the
   * model gets each range's data.
   */
  private static void writeDistinctPagesAtOnce(
      RawClient c, Random rng, byte[] model, int count, int maxPages) throws IOException {
    int pageCount = model.length / PAGE;
    boolean[] taken = new boolean[pageCount];
    List<int[]> ranges = new ArrayList<>(); // first page, pages
    while (ranges.size() < count) {
      int n = 1 + rng.nextInt(maxPages);
      int p = rng.nextInt(pageCount - n + 1);
      boolean free = true;
      for (int k = p; k < p + n; k++) {
        free &= !taken[k];
      }
      if (free) {
        Arrays.fill(taken, p, p + n, true);
        ranges.add(new int[] {p, n});
      }
    }
    Map<Long, int[]> byCookie = new HashMap<>();
    for (int i = 0; i < ranges.size(); i++) {
      int[] r = ranges.get(i);
      byte[] data = new byte[r[1] * PAGE];
      rng.nextBytes(data);
      System.arraycopy(data, 0, model, r[0] * PAGE, data.length);
      c.write(100 + i, (long) r[0] * PAGE, data, 0);
      byCookie.put(100L + i, r);
    }
    for (int i = 0; i < ranges.size(); i++) {
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

package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.DiscardMode;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;

/** Issue 9 items 4 and 5: the commands and their concurrency, on a real socket. */
class TransmissionTest {
  static final int BLOCK = 64 << 10;

  @TempDir Path tmp;

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Reads a structured READ reply into a buffer; returns the chunk types in order. */
  private static List<Integer> readStructured(RawClient c, long cookie, long offset, byte[] into)
      throws IOException {
    List<Integer> types = new java.util.ArrayList<>();
    RawClient.Chunk ch;
    do {
      ch = c.chunk();
      assertThat(ch.cookie()).isEqualTo(cookie);
      assertThat(ch.error()).isZero();
      types.add(ch.type());
      ByteBuffer p = ch.payload();
      if (ch.type() == Nbd.REPLY_TYPE_OFFSET_DATA) {
        long at = p.getLong();
        p.get(into, (int) (at - offset), p.remaining());
      } else if (ch.type() == Nbd.REPLY_TYPE_OFFSET_HOLE) {
        long at = p.getLong();
        Arrays.fill(into, (int) (at - offset), (int) (at - offset) + p.getInt(), (byte) 0);
      }
    } while (!ch.done());
    return types;
  }

  @Test
  void structuredReadSendsHolesForUnprovisionedBlocksAndDataForTheRest() throws IOException {
    try (ServedPool s = new ServedPool(tmp.resolve("p"), 64 << 20, false, 8 << 20);
        RawClient c = s.client().greet().go("1", true)) {
      byte[] data = bytes(1000, 1);
      c.write(1, BLOCK + 10, data, 0);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(0, 1));
      byte[] got = new byte[3 * BLOCK];
      Arrays.fill(got, (byte) 0x55);
      c.request(0, Nbd.CMD_READ, 2, 0, 3 * BLOCK);
      assertThat(readStructured(c, 2, 0, got))
          .containsExactly(
              Nbd.REPLY_TYPE_OFFSET_HOLE, Nbd.REPLY_TYPE_OFFSET_DATA, Nbd.REPLY_TYPE_OFFSET_HOLE);
      byte[] expected = new byte[3 * BLOCK];
      System.arraycopy(data, 0, expected, BLOCK + 10, data.length);
      assertThat(got).isEqualTo(expected);
      c.request(Nbd.CMD_FLAG_DF, Nbd.CMD_READ, 3, 0, 3 * BLOCK);
      Arrays.fill(got, (byte) 0x55);
      assertThat(readStructured(c, 3, 0, got)).containsExactly(Nbd.REPLY_TYPE_OFFSET_DATA);
      assertThat(got).isEqualTo(expected);
      c.request(0, Nbd.CMD_READ, 4, 0, 0);
      assertThat(c.chunk().type()).isEqualTo(Nbd.REPLY_TYPE_NONE);
    }
  }

  @Test
  void simpleRepliesWithoutStructuredReplies() throws IOException {
    try (ServedPool s = new ServedPool(tmp.resolve("p"), 64 << 20, false, 8 << 20);
        RawClient c = s.client().greet().go("1", false)) {
      byte[] data = bytes(4096, 2);
      c.write(1, 777, data, Nbd.CMD_FLAG_FUA);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(0, 1));
      c.request(0, Nbd.CMD_READ, 2, 777, 4096);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(0, 2));
      assertThat(c.bytes(4096)).isEqualTo(data);
      c.request(0, Nbd.CMD_BLOCK_STATUS, 3, 0, 4096); // no context: EINVAL, not a hang-up
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(Nbd.EINVAL, 3));
    }
  }

  @Test
  void blockStatusReportsHoleZeroForUnprovisionedAndZeroFlagsForData() throws IOException {
    try (ServedPool s = new ServedPool(tmp.resolve("p"), 64 << 20, false, 8 << 20);
        RawClient c = s.client().greet().go("1", true)) {
      c.write(1, 2 * BLOCK, new byte[BLOCK * 2], 0);
      c.simpleReply();
      c.request(0, Nbd.CMD_WRITE_ZEROES, 2, 6 * BLOCK, BLOCK, Nbd.CMD_FLAG_NO_HOLE);
      assertThat(c.simpleReply().error()).isZero();
      c.request(0, Nbd.CMD_BLOCK_STATUS, 3, 100, (8 << 20) - 100);
      RawClient.Chunk ch = c.chunk();
      assertThat(ch.type()).isEqualTo(Nbd.REPLY_TYPE_BLOCK_STATUS);
      assertThat(ch.done()).isTrue();
      ByteBuffer p = ch.payload();
      assertThat(p.getInt()).isZero();
      long[][] expected = {
        {2 * BLOCK - 100, 3}, {2 * BLOCK, 0}, {2 * BLOCK, 3}, {BLOCK, 0}, {(8 << 20) - 7 * BLOCK, 3}
      };
      for (long[] e : expected) {
        assertThat(new long[] {p.getInt() & 0xffffffffL, p.getInt()}).isEqualTo(e);
      }
      assertThat(p.hasRemaining()).isFalse();
      c.request(Nbd.CMD_FLAG_REQ_ONE, Nbd.CMD_BLOCK_STATUS, 4, 2 * BLOCK + 5, 10);
      p = c.chunk().payload();
      assertThat(p.remaining()).isEqualTo(12);
      assertThat(p.getInt(4)).isEqualTo(10);
      assertThat(p.getInt(8)).isZero();
    }
  }

  private static void request(RawClient c, int flags, int type, long cookie, long off, long len)
      throws IOException {
    c.request(flags, type, cookie, off, len);
  }

  @Test
  void trimUnmapsWholeBlocksPerTheDiscardModeAndWriteZeroesFastZeroIsHonest() throws IOException {
    for (DiscardMode mode : DiscardMode.values()) {
      Path dir = tmp.resolve(mode.name());
      try (ThinPool pool =
          ThinPool.create(dir, PoolOptions.ofDataSize(64 << 20).withDiscardMode(mode))) {
        pool.createThin(1, 8 << 20);
        NbdServer server = new NbdServer(new Exports(pool, false));
        java.net.InetSocketAddress any =
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0);
        try (server;
            RawClient c =
                RawClient.connect((java.net.InetSocketAddress) server.listen(any))
                    .greet()
                    .go("1", true)) {
          c.write(1, 0, bytes(4 * BLOCK, 3), 0);
          c.simpleReply();
          request(c, 0, Nbd.CMD_TRIM, 2, 100, 3 * BLOCK);
          assertThat(c.simpleReply().error()).isZero();
          boolean unmapped = mode != DiscardMode.IGNORE;
          assertThat(pool.device(1).isMapped(1)).isEqualTo(!unmapped);
          assertThat(pool.device(1).isMapped(0)).isTrue(); // partial blocks are left alone
          assertThat(pool.device(1).isMapped(3)).isTrue();
          request(
              c,
              Nbd.CMD_FLAG_NO_HOLE | Nbd.CMD_FLAG_FAST_ZERO,
              Nbd.CMD_WRITE_ZEROES,
              3,
              5 * BLOCK,
              BLOCK);
          RawClient.Chunk refused = c.chunk();
          assertThat(refused.type()).isEqualTo(Nbd.REPLY_TYPE_ERROR);
          assertThat(refused.error()).isEqualTo(Nbd.ENOTSUP);
          assertThat(pool.device(1).isMapped(5)).isFalse();
          request(c, Nbd.CMD_FLAG_FAST_ZERO, Nbd.CMD_WRITE_ZEROES, 4, 3 * BLOCK, BLOCK);
          assertThat(c.simpleReply().error()).isZero();
          assertThat(pool.device(1).isMapped(3)).isFalse(); // zeroes as a hole
          request(c, Nbd.CMD_FLAG_FUA, Nbd.CMD_CACHE, 5, 0, 8 << 20);
          assertThat(c.simpleReply().error()).isZero();
        }
      }
    }
  }

  /** 64 requests in flight on one connection: every reply comes, each matched by cookie. */
  @Test
  void manyRequestsInFlightOnOneConnectionAllAnswered() throws IOException {
    try (ServedPool s = new ServedPool(tmp.resolve("p"), 64 << 20, false, 8 << 20);
        RawClient c = s.client().greet().go("1", false)) {
      int n = 200;
      Map<Long, byte[]> written = new HashMap<>();
      for (long i = 0; i < n; i++) {
        byte[] d = bytes(4096, (int) i);
        written.put(i, d);
        c.write(i, i * 8192 + 512, d, 0); // pipelined: no waiting for replies
      }
      Set<Long> answered = new HashSet<>();
      for (int i = 0; i < n; i++) {
        RawClient.Simple r = c.simpleReply();
        assertThat(r.error()).isZero();
        assertThat(answered.add(r.cookie())).isTrue();
      }
      for (long i = 0; i < n; i++) {
        c.request(0, Nbd.CMD_READ, 1000 + i, i * 8192 + 512, 4096);
      }
      for (int i = 0; i < n; i++) {
        RawClient.Simple r = c.simpleReply();
        assertThat(c.bytes(4096)).isEqualTo(written.get(r.cookie() - 1000));
      }
    }
  }

  /** CAN_MULTI_CONN is true: a write replied on one connection is seen by another at once. */
  @Test
  void writesOnOneConnectionAreVisibleOnAnotherAndFlushIsDeviceWide() throws IOException {
    try (ServedPool s = new ServedPool(tmp.resolve("p"), 64 << 20, false, 8 << 20);
        RawClient a = s.client().greet().go("1", false);
        RawClient b = s.client().greet().go("1", false)) {
      byte[] d = bytes(5000, 4);
      a.write(1, 3, d, 0);
      a.simpleReply();
      b.request(0, Nbd.CMD_FLUSH, 2, 0, 0);
      assertThat(b.simpleReply().error()).isZero();
      b.request(0, Nbd.CMD_READ, 3, 3, 5000);
      b.simpleReply();
      assertThat(b.bytes(5000)).isEqualTo(d);
    }
  }
}

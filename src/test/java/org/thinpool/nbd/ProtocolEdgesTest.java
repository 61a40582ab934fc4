package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.ThinPool;

/**
 * The corners of the protocol that no named client of ours exercises, but other clients do: a
 * drain, DF, REQ_ONE, ranges crossing the end, requests after DISC, haggling after a failed GO.
 */
class ProtocolEdgesTest {
  static final int BLOCK = 64 << 10;

  /** Not a multiple of the block size: the last block is partly outside the device. */
  static final long SIZE = (8 << 20) + 4096;

  @TempDir Path tmp;

  private ServedPool serve() throws IOException {
    return new ServedPool(tmp.resolve("p"), 64 << 20, false, SIZE);
  }

  @Test
  void requestsArrivingDuringADrainGetEshutdownThenDiscClosesCleanlyAndDataIsCommitted()
      throws Exception {
    ServedPool s = serve();
    Thread closer;
    try (RawClient c = s.client().greet().go("1", false);
        RawClient structured = s.client().greet().go("1", true);
        RawClient haggling = s.client().greet();
        RawClient oldStyle = s.client().greet()) {
      byte[] data = new byte[4096];
      Arrays.fill(data, (byte) 0x5a);
      c.write(1, BLOCK, data, Nbd.CMD_FLAG_FUA);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(0, 1));
      closer = Thread.ofPlatform().start(s::closeQuietly);
      while (!s.server.closing()) {
        Thread.onSpinWait();
      }
      c.request(0, Nbd.CMD_READ, 2, 0, 4096);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(Nbd.ESHUTDOWN, 2));
      c.write(3, 0, new byte[8192], 0); // its payload is read and dropped: the stream stays in step
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(Nbd.ESHUTDOWN, 3));
      c.request(0, Nbd.CMD_FLUSH, 4, 0, 0);
      assertThat(c.simpleReply()).isEqualTo(new RawClient.Simple(Nbd.ESHUTDOWN, 4));
      structured.request(0, Nbd.CMD_READ, 5, 0, 4096);
      RawClient.Chunk ch = structured.chunk();
      assertThat(ch.type()).isEqualTo(Nbd.REPLY_TYPE_ERROR);
      assertThat(ch.error()).isEqualTo(Nbd.ESHUTDOWN);
      assertThat(ch.done()).isTrue();
      haggling.option(Nbd.OPT_LIST, ByteBuffer.allocate(0));
      assertThat(haggling.optionReply().type()).isEqualTo(Nbd.REP_ERR_SHUTDOWN);
      oldStyle.option(Nbd.OPT_EXPORT_NAME, ByteBuffer.wrap(new byte[] {'1'}));
      assertThat(oldStyle.closedByServer()).isTrue(); // EXPORT_NAME has no error reply
      haggling.option(Nbd.OPT_ABORT, ByteBuffer.allocate(0));
      assertThat(haggling.optionReply().type()).isEqualTo(Nbd.REP_ACK);
      c.request(0, Nbd.CMD_DISC, 6, 0, 0);
      structured.request(0, Nbd.CMD_DISC, 7, 0, 0);
      assertThat(c.closedByServer()).isTrue();
      assertThat(structured.closedByServer()).isTrue();
      assertThat(haggling.closedByServer()).isTrue();
    }
    closer.join(Duration.ofSeconds(60));
    assertThat(closer.isAlive()).isFalse();
    try (ThinPool p = ThinPool.open(s.dir)) {
      ByteBuffer b = ByteBuffer.allocate(4096);
      p.device(1).read(BLOCK, b);
      assertThat(b.get(0)).isEqualTo((byte) 0x5a);
      assertThat(b.get(4095)).isEqualTo((byte) 0x5a);
    }
  }

  @Test
  void dontFragmentReadsOfHolesAndDataComeAsOneDataChunkAndNeedStructuredReplies()
      throws IOException {
    try (ServedPool s = serve();
        RawClient c = s.client().greet().go("1", true);
        RawClient simple = s.client().greet().go("1", false)) {
      byte[] data = new byte[BLOCK];
      Arrays.fill(data, (byte) 7);
      c.write(1, 2 * BLOCK, data, 0);
      c.simpleReply();
      c.request(Nbd.CMD_FLAG_DF, Nbd.CMD_READ, 2, 0, 4 * BLOCK);
      RawClient.Chunk ch = c.chunk();
      assertThat(ch.type()).isEqualTo(Nbd.REPLY_TYPE_OFFSET_DATA);
      assertThat(ch.done()).isTrue();
      assertThat(ch.payload().getLong()).isZero();
      assertThat(ch.payload().remaining()).isEqualTo(4 * BLOCK);
      assertThat(ch.payload().get(8 + 2 * BLOCK)).isEqualTo((byte) 7);
      assertThat(ch.payload().get(8)).isZero();
      c.request(0, Nbd.CMD_READ, 3, 0, 4 * BLOCK); // without DF: holes and data apart
      assertThat(c.chunk().type()).isEqualTo(Nbd.REPLY_TYPE_OFFSET_HOLE);
      RawClient.Chunk d = c.chunk();
      assertThat(d.type()).isEqualTo(Nbd.REPLY_TYPE_OFFSET_DATA);
      assertThat(c.chunk().type()).isEqualTo(Nbd.REPLY_TYPE_OFFSET_HOLE);
      // DF is not advertised without structured replies: an unknown flag there
      simple.request(Nbd.CMD_FLAG_DF, Nbd.CMD_READ, 4, 0, 512);
      assertThat(simple.simpleReply()).isEqualTo(new RawClient.Simple(Nbd.EINVAL, 4));
      simple.request(0, Nbd.CMD_READ, 5, 0, 512);
      assertThat(simple.simpleReply()).isEqualTo(new RawClient.Simple(0, 5));
      simple.read(512);
    }
  }

  @Test
  void reqOneBlockStatusIsExactlyOneExtentNoLongerThanAskedAtEveryBoundary() throws IOException {
    try (ServedPool s = serve();
        RawClient c = s.client().greet().go("1", true)) {
      c.write(1, BLOCK, new byte[BLOCK], 0); // block 1 mapped, the rest holes
      c.simpleReply();
      long[][] cases = { // offset, length, expected extent length, expected flags
        {0, SIZE, BLOCK, 3},
        {100, BLOCK, BLOCK - 100, 3},
        {BLOCK, SIZE - BLOCK, BLOCK, 0},
        {BLOCK + 512, 512, 512, 0},
        {2 * BLOCK - 1, 2, 1, 0},
        {2 * BLOCK, SIZE - 2 * BLOCK, SIZE - 2 * BLOCK, 3},
        {SIZE - 512, 512, 512, 3},
      };
      long cookie = 10;
      for (long[] k : cases) {
        c.request(Nbd.CMD_FLAG_REQ_ONE, Nbd.CMD_BLOCK_STATUS, cookie, k[0], k[1]);
        RawClient.Chunk ch = c.chunk();
        assertThat(ch.cookie()).isEqualTo(cookie++);
        assertThat(ch.type()).as(Arrays.toString(k)).isEqualTo(Nbd.REPLY_TYPE_BLOCK_STATUS);
        ByteBuffer p = ch.payload();
        assertThat(p.remaining()).as(Arrays.toString(k)).isEqualTo(12);
        assertThat(new long[] {p.getInt(4) & 0xffffffffL, p.getInt(8)})
            .as(Arrays.toString(k))
            .containsExactly(k[2], k[3]);
      }
    }
  }

  @Test
  void blockStatusCrossingTheEndIsEinvalAndUpToTheEndStopsThere() throws IOException {
    try (ServedPool s = serve();
        RawClient c = s.client().greet().go("1", true)) {
      c.write(1, SIZE - 4096, new byte[4096], 0); // the partial last block
      assertThat(c.simpleReply().error()).isZero();
      long[][] crossing = {{SIZE - 512, 1024}, {SIZE, 1}, {-512, 1024}, {SIZE + BLOCK, 512}};
      long cookie = 20;
      for (long[] k : crossing) {
        for (int flags : new int[] {0, Nbd.CMD_FLAG_REQ_ONE}) {
          c.request(flags, Nbd.CMD_BLOCK_STATUS, cookie, k[0], k[1]);
          RawClient.Chunk ch = c.chunk();
          assertThat(ch.cookie()).isEqualTo(cookie++);
          assertThat(ch.error()).as(Arrays.toString(k)).isEqualTo(Nbd.EINVAL);
          assertThat(ch.done()).isTrue();
        }
      }
      c.request(0, Nbd.CMD_BLOCK_STATUS, 30, SIZE - 2 * BLOCK, 2 * BLOCK);
      ByteBuffer p = c.chunk().payload();
      p.getInt();
      long sum = 0;
      int lastFlags = -1;
      while (p.hasRemaining()) {
        sum += p.getInt() & 0xffffffffL;
        lastFlags = p.getInt();
      }
      assertThat(sum).isEqualTo(2 * BLOCK); // never past the export's end
      assertThat(lastFlags).isZero(); // the mapped partial block
      c.request(0, Nbd.CMD_READ, 31, SIZE - 4096, 4097);
      assertThat(c.chunk().error()).isEqualTo(Nbd.EINVAL);
      c.write(32, SIZE - 512, new byte[1024], 0);
      RawClient.Chunk w = c.chunk(); // errors come as error chunks in structured mode
      assertThat(w.cookie()).isEqualTo(32);
      assertThat(w.error()).isEqualTo(Nbd.ENOSPC);
    }
  }

  @Test
  void requestsAfterDiscAreNeitherServedNorAnswered() throws IOException {
    try (ServedPool s = serve()) {
      try (RawClient c = s.client().greet().go("1", false)) {
        byte[] data = new byte[4096];
        Arrays.fill(data, (byte) 1);
        c.send(
            RawClient.header(0, Nbd.CMD_DISC, 1, 0, 0),
            RawClient.header(0, Nbd.CMD_WRITE, 2, 0, 4096),
            ByteBuffer.wrap(data),
            RawClient.header(0, Nbd.CMD_FLUSH, 3, 0, 0));
        assertThat(c.closedByServer()).isTrue();
      }
      ByteBuffer b = ByteBuffer.allocate(4096);
      s.pool.device(1).read(0, b);
      assertThat(b.get(0)).isZero();
      assertThat(s.pool.thinStatus(1).mappedBlocks()).isZero();
    }
  }

  @Test
  void aFailedGoLeavesTheClientHagglingUntilAGoodOne() throws IOException {
    try (ServedPool s = serve();
        RawClient c = s.client().greet()) {
      c.option(Nbd.OPT_GO, RawClient.exportQuery("7", Nbd.INFO_BLOCK_SIZE));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ERR_UNKNOWN);
      c.option(Nbd.OPT_GO, ByteBuffer.wrap(new byte[] {0, 0, 0, 9, '1'}));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ERR_INVALID);
      c.option(Nbd.OPT_GO, RawClient.exportQuery("not a number"));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ERR_UNKNOWN);
      c.option(Nbd.OPT_INFO, RawClient.exportQuery("1"));
      RawClient.OptReply r = c.optionReply();
      assertThat(r.type()).isEqualTo(Nbd.REP_INFO);
      assertThat(r.data().getShort(0)).isEqualTo((short) Nbd.INFO_EXPORT);
      assertThat(r.data().getLong(2)).isEqualTo(SIZE);
      while (r.type() != Nbd.REP_ACK) {
        r = c.optionReply();
      }
      c.option(Nbd.OPT_LIST, ByteBuffer.allocate(0));
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_SERVER);
      assertThat(c.optionReply().type()).isEqualTo(Nbd.REP_ACK);
      c.go("1", true);
      c.request(0, Nbd.CMD_READ, 1, 0, 512);
      RawClient.Chunk ch = c.chunk();
      assertThat(ch.cookie()).isEqualTo(1);
      assertThat(ch.error()).isZero();
    }
  }
}

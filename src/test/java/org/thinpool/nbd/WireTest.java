package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Wire}'s receive buffer: the bytes a reader takes are exactly the stream's, in order,
 * whatever the boundaries of the underlying reads, and small messages sent together come in with
 * one read.
 */
class WireTest {
  private static final int HEADER = Nbd.REQUEST_HEADER_BYTES;

  /**
   * A client's byte stream handed out at most {@code chunk} bytes per read, counting the reads;
   * writes are dropped.
   */
  private static final class Stream implements ByteChannel, GatheringByteChannel {
    private final ByteBuffer data;
    private final int chunk;
    int reads;
    int writes;
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    final List<String> calls = new ArrayList<>();

    Stream(byte[] data, int chunk) {
      this.data = ByteBuffer.wrap(data);
      this.chunk = chunk;
    }

    @Override
    public int read(ByteBuffer dst) {
      reads++;
      calls.add("read");
      if (!data.hasRemaining()) {
        return -1;
      }
      int n = Math.min(Math.min(chunk, dst.remaining()), data.remaining());
      dst.put(data.slice(data.position(), n));
      data.position(data.position() + n);
      return n;
    }

    @Override
    public int write(ByteBuffer src) {
      writes++;
      calls.add("write");
      return take(src);
    }

    private int take(ByteBuffer src) {
      int n = src.remaining();
      written.write(bytes(src), 0, n);
      return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
      writes++;
      calls.add("write");
      long n = 0;
      for (int i = offset; i < offset + length; i++) {
        n += take(srcs[i]);
      }
      return n;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
      return write(srcs, 0, srcs.length);
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  private static <C extends ByteChannel & GatheringByteChannel> Wire transmitting(C channel) {
    Wire w = new Wire(channel);
    w.bufferFrom(new Buffers(1 << 20));
    return w;
  }

  @Test
  void bytesTheHandshakesBufferReadAheadAreReadFirstInTransmission() throws IOException {
    byte[] stream = random(16 + 8 * (HEADER + 4096), 8);
    Stream s = new Stream(stream, Integer.MAX_VALUE);
    Wire w = new Wire(s);
    assertThat(bytes(w.read(16))).isEqualTo(slice(stream, 0, 16)); // an option header, say
    assertThat(w.buffered()).isEqualTo(Wire.HANDSHAKE_BUFFER_BYTES - 16);
    Buffers pool = new Buffers(1 << 20);
    w.bufferFrom(pool);
    assertThat(bytes(w.readFully(ByteBuffer.allocateDirect(stream.length - 16))))
        .isEqualTo(slice(stream, 16, stream.length - 16));
    assertThat(s.reads).isEqualTo(2);
    w.release();
    assertThat(pool.take(Wire.RECEIVE_BUFFER_BYTES).isDirect()).isTrue();
    assertThat(pool.directBytes())
        .as("the buffers given back were reused")
        .isEqualTo(Wire.RECEIVE_BUFFER_BYTES + Wire.HELD_BYTES);
  }

  @Test
  void theReadersRepliesWaitWhileTheNextRequestIsHereThenGoOutInOneWrite() throws IOException {
    Stream s = new Stream(random(3 * HEADER, 9), Integer.MAX_VALUE);
    Wire w = transmitting(s);
    byte[][] replies = {random(16, 10), random(16 + 4096, 11), random(16, 12)};
    for (int i = 0; i < 3; i++) {
      w.readFully(ByteBuffer.allocate(HEADER));
      ByteBuffer data = ByteBuffer.allocateDirect(replies[i].length - 16);
      data.put(replies[i], 16, data.capacity()).flip();
      w.replyFromReader(ByteBuffer.wrap(replies[i], 0, 16), data);
      data.clear().put(new byte[data.capacity()]); // reused at once: what was held is a copy
      assertThat(s.writes).as("after reply %d", i).isEqualTo(i < 2 ? 0 : 1);
    }
    assertThat(w.heldBytes()).isZero();
    assertThat(s.written.toByteArray())
        .isEqualTo(
            ByteBuffer.allocate(16 + 16 + 4096 + 16)
                .put(replies[0])
                .put(replies[1])
                .put(replies[2])
                .array());
  }

  @Test
  void heldRepliesGoOutBeforeTheReaderWaitsForTheClient() throws IOException {
    byte[] stream = random(2 * HEADER + 4096, 13);
    Stream s = new Stream(stream, 2 * HEADER + 100); // the write's payload comes in two reads
    Wire w = transmitting(s);
    w.readFully(ByteBuffer.allocate(HEADER));
    w.replyFromReader(ByteBuffer.wrap(random(16, 14)));
    assertThat(w.heldBytes()).isEqualTo(16);
    w.readFully(ByteBuffer.allocate(HEADER));
    w.readFully(ByteBuffer.allocateDirect(4096)); // needs a read: the held reply goes first
    assertThat(s.calls).startsWith("read", "write", "read");
    assertThat(s.writes).isEqualTo(1);
    assertThat(w.heldBytes()).isZero();
  }

  @Test
  void aReplyLargerThanTheRoomLeftGoesOutAfterTheHeldOnes() throws IOException {
    Stream s = new Stream(random(3 * HEADER, 15), Integer.MAX_VALUE);
    Wire w = transmitting(s);
    w.readFully(ByteBuffer.allocate(HEADER));
    byte[] small = random(16, 16);
    w.replyFromReader(ByteBuffer.wrap(small));
    w.readFully(ByteBuffer.allocate(HEADER));
    byte[] big = random(Wire.HELD_BYTES, 17);
    w.replyFromReader(ByteBuffer.wrap(big, 0, 16), ByteBuffer.wrap(big, 16, big.length - 16));
    assertThat(s.writes).isEqualTo(2); // the held one, then the large one as it is
    assertThat(s.written.toByteArray())
        .isEqualTo(ByteBuffer.allocate(16 + big.length).put(small).put(big).array());
    w.flushHeld();
    assertThat(s.writes).isEqualTo(2);
  }

  private static byte[] random(int bytes, long seed) {
    byte[] b = new byte[bytes];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static byte[] slice(byte[] a, int from, int length) {
    return Arrays.copyOfRange(a, from, from + length);
  }

  @Test
  void eightSmallWritesSentTogetherComeInWithOneRead() throws IOException {
    int message = HEADER + 4096;
    byte[] stream = random(8 * message, 1);
    Stream s = new Stream(stream, Integer.MAX_VALUE);
    Wire w = transmitting(s);
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    ByteBuffer payload = ByteBuffer.allocateDirect(4096);
    for (int i = 0; i < 8; i++) {
      assertThat(bytes(w.readFully(header.clear()))).isEqualTo(slice(stream, i * message, HEADER));
      assertThat(bytes(w.readFully(payload.clear())))
          .isEqualTo(slice(stream, i * message + HEADER, 4096));
    }
    assertThat(s.reads).isEqualTo(1);
    assertThat(w.buffered()).isZero();
  }

  @Test
  void aLargePayloadIsTheStreamsBytesAndItsTailIsReadStraightIntoTheTarget() throws IOException {
    int big = 1 << 20;
    byte[] stream = random(2 * (HEADER + big), 2);
    Stream s = new Stream(stream, Integer.MAX_VALUE);
    Wire w = transmitting(s);
    w.readFully(ByteBuffer.allocate(HEADER));
    assertThat(w.buffered()).isEqualTo(Wire.RECEIVE_BUFFER_BYTES - HEADER);
    ByteBuffer payload = ByteBuffer.allocateDirect(big);
    assertThat(bytes(w.readFully(payload))).isEqualTo(slice(stream, HEADER, big));
    assertThat(s.reads).as("one fill, then the rest in one read into the payload").isEqualTo(2);
    assertThat(bytes(w.readFully(ByteBuffer.allocate(HEADER))))
        .isEqualTo(slice(stream, HEADER + big, HEADER));
    assertThat(w.buffered()).as("after a large payload, a header only").isZero();
    assertThat(bytes(w.readFully(payload.clear())))
        .as("so the next large payload is read into its own buffer whole")
        .isEqualTo(slice(stream, HEADER + big + HEADER, big));
    assertThat(s.reads).isEqualTo(4);
  }

  @Test
  void anyReadBoundariesGiveTheSameBytes() throws IOException {
    int[] sizes = {HEADER, 4096, HEADER, 200_000, HEADER, 1, HEADER, 131_072, HEADER, 70_000};
    int total = Arrays.stream(sizes).sum();
    byte[] stream = random(total, 3);
    for (int chunk : new int[] {1, 7, 4096, 65_537, Wire.RECEIVE_BUFFER_BYTES + 5}) {
      Wire w = transmitting(new Stream(stream, chunk));
      int at = 0;
      for (int n : sizes) {
        ByteBuffer b = n % 2 == 0 ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n);
        assertThat(bytes(w.readFully(b)))
            .as("chunk %d at %d", chunk, at)
            .isEqualTo(slice(stream, at, n));
        at += n;
      }
      assertThatThrownBy(() -> w.readFully(ByteBuffer.allocate(1)))
          .isInstanceOf(EOFException.class);
    }
  }

  @Test
  void skipDropsExactlyThatManyBytesAcrossRefills() throws IOException {
    byte[] stream = random(HEADER + 300_000 + HEADER, 4);
    for (int chunk : new int[] {1000, Integer.MAX_VALUE}) {
      Wire w = transmitting(new Stream(stream, chunk));
      w.readFully(ByteBuffer.allocate(HEADER));
      w.skip(300_000);
      assertThat(bytes(w.readFully(ByteBuffer.allocate(HEADER))))
          .isEqualTo(slice(stream, HEADER + 300_000, HEADER));
    }
  }

  @Test
  void theStreamEndingInsideAPayloadOrASkipIsEof() throws IOException {
    byte[] stream = random(HEADER + 1000, 5);
    Wire w = new Wire(new Stream(stream, Integer.MAX_VALUE));
    w.readFully(ByteBuffer.allocate(HEADER));
    assertThatThrownBy(() -> w.readFully(ByteBuffer.allocateDirect(4096)))
        .isInstanceOf(EOFException.class);
    Wire w2 = new Wire(new Stream(stream, 100));
    assertThatThrownBy(() -> w2.skip(HEADER + 1001)).isInstanceOf(EOFException.class);
    Wire w3 = new Wire(new Stream(random(HEADER + 1000, 6), Integer.MAX_VALUE));
    w3.skip(HEADER + 1000); // exactly the stream: no read past it
    assertThat(w3.buffered()).isZero();
  }

  @Test
  void requestsSentTogetherOnARealSocketArriveWhole() throws Exception {
    try (ServerSocketChannel l = ServerSocketChannel.open()) {
      l.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      try (SocketChannel client = SocketChannel.open(l.getLocalAddress());
          SocketChannel server = l.accept()) {
        int message = HEADER + 4096;
        byte[] stream = random(16 * message, 7);
        client.write(ByteBuffer.wrap(stream));
        client.shutdownOutput();
        Wire w = transmitting(server);
        ByteBuffer payload = ByteBuffer.allocateDirect(4096);
        for (int i = 0; i < 16; i++) {
          assertThat(bytes(w.readFully(ByteBuffer.allocate(HEADER))))
              .isEqualTo(slice(stream, i * message, HEADER));
          assertThat(bytes(w.readFully(payload.clear())))
              .isEqualTo(slice(stream, i * message + HEADER, 4096));
        }
        assertThatThrownBy(() -> w.readFully(ByteBuffer.allocate(HEADER)))
            .isInstanceOf(EOFException.class);
      }
    }
  }
}

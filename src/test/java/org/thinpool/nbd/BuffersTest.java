package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinDevice;
import org.thinpool.pool.ThinPool;
import org.thinpool.testing.Allocations;

/**
 * Issue 9 item 10: READ and WRITE payload buffers are reused, not made per request, and the direct
 * memory behind them stays bounded whatever the clients ask for.
 */
class BuffersTest {
  private static final int MIB = 1 << 20;

  @TempDir Path tmp;

  @Test
  void aBufferGivenBackIsTheNextOneTakenOfItsClass() {
    Buffers pool = new Buffers(8 * MIB);
    ByteBuffer a = pool.take(MIB);
    assertThat(a.isDirect()).isTrue();
    assertThat(a.position()).isZero();
    assertThat(a.limit()).isEqualTo(MIB);
    pool.give(a);
    ByteBuffer b = pool.take(MIB - 100); // same class
    assertThat(b).isSameAs(a);
    assertThat(b.limit()).isEqualTo(MIB - 100);
    assertThat(pool.take(MIB + 1).capacity()).isEqualTo(2 * MIB);
    assertThat(pool.take(0).capacity()).isEqualTo(Buffers.MIN_CLASS_BYTES);
    assertThat(pool.take(Nbd.MAX_PAYLOAD_BYTES).capacity()).isEqualTo(Nbd.MAX_PAYLOAD_BYTES);
  }

  @Test
  void directMemoryStaysWithinTheLimitAndKeptBuffersMakeRoom() {
    Buffers pool = new Buffers(4 * MIB);
    ByteBuffer[] inUse = new ByteBuffer[5];
    for (int i = 0; i < 5; i++) {
      inUse[i] = pool.take(MIB);
    }
    assertThat(inUse[3].isDirect()).isTrue();
    assertThat(inUse[4].isDirect()).as("over the limit: a heap buffer").isFalse();
    assertThat(pool.directBytes()).isEqualTo(4 * MIB);
    for (ByteBuffer b : inUse) {
      pool.give(b);
    }
    ByteBuffer big = pool.take(4 * MIB); // drops the four kept 1 MiB buffers to make room
    assertThat(big.isDirect()).isTrue();
    assertThat(pool.directBytes()).isEqualTo(4 * MIB);
  }

  /** A connected loopback socket pair: the server's end and a thread draining the client's. */
  private record Pair(SocketChannel server, SocketChannel client, Thread drain)
      implements AutoCloseable {
    static Pair open() throws IOException {
      try (ServerSocketChannel l = ServerSocketChannel.open()) {
        l.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SocketChannel client = SocketChannel.open(l.getLocalAddress());
        SocketChannel server = l.accept();
        Thread drain =
            Thread.ofPlatform()
                .daemon()
                .start(
                    () -> {
                      ByteBuffer sink = ByteBuffer.allocateDirect(4 * MIB);
                      try {
                        while (client.read(sink.clear()) >= 0) {
                          // drop the replies
                        }
                      } catch (IOException e) {
                        // closed
                      }
                    });
        return new Pair(server, client, drain);
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      client.close();
    }
  }

  @Test
  void servingOneMibReadsAndWritesMakesNoPayloadGarbage() throws IOException {
    try (ThinPool pool = ThinPool.create(tmp.resolve("p"), PoolOptions.ofDataSize(64L * MIB));
        Pair pair = Pair.open()) {
      ThinDevice dev = pool.createThin(1, 16L * MIB);
      dev.write(0, ByteBuffer.allocateDirect(16 * MIB));
      Export export = new Export("1", dev, false, 64 << 10);
      Transmission t = new Transmission(new Wire(pair.server()), export, false, NbdObserver.NONE);
      long readBytes =
          Allocations.bytesAllocated(
              200, i -> t.serve(new Request.Read(i, (i % 16L) * MIB, MIB, false), null));
      assertThat(readBytes / 200).as("bytes per 1 MiB READ served").isLessThan(4096);
      ByteBuffer payload = Buffers.SHARED.take(MIB);
      long writeBytes =
          Allocations.bytesAllocated(
              200,
              i -> t.serve(new Request.Write(i, (i % 16L) * MIB, MIB, false), payload.clear()));
      assertThat(writeBytes / 200).as("bytes per 1 MiB WRITE served").isLessThan(8192);
    }
  }
}

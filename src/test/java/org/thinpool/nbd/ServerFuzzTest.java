package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.Testdata;

/**
 * Random option and command sequences, valid, malformed and hostile, thrown at a live server, one
 * connection per session, while a good client keeps its own connection and device. After every
 * session the server must have closed that connection (no hang) and the good client must still be
 * served; at the end its data is intact, a fresh client works and thin_check is clean. Everything
 * comes from one seed: {@code mvn -B test -Dtest=ServerFuzzTest -Dthinpool.fuzz.seed=N} replays a
 * failure; {@code -Plong} runs many more sessions.
 */
class ServerFuzzTest {
  static final long MIB = 1 << 20;
  static final long SIZE = 8 * MIB;
  static final int SESSIONS = Testdata.longRun() ? 3000 : 60;

  /**
   * The most a session's WRITE carries: enough for several data blocks, small enough to be quick.
   */
  static final int MAX_FUZZ_PAYLOAD = 256 << 10;

  /** The longest a connection may outlive its client's half-close: a hang, not a slow machine. */
  static final Duration CLOSE_WITHIN = Duration.ofSeconds(30);

  @TempDir Path tmp;

  @Test
  void randomOptionAndCommandSequencesNeverHangOrHurtTheServerOrOtherClients() throws Exception {
    // the quick run repeats one seed (a reproducible build); the long one explores new ones
    long seed = Long.getLong("thinpool.fuzz.seed", Testdata.longRun() ? System.nanoTime() : 9);
    String replay = "seed " + seed + ": mvn -B test -Dtest=ServerFuzzTest -Dthinpool.fuzz.seed=";
    System.err.println("ServerFuzzTest " + replay + seed);
    Random rnd = new Random(seed);
    // devices 1 and 2 are fuzzed; 3 belongs to the good client alone
    Map<String, LongAdder> served = new ConcurrentHashMap<>();
    NbdObserver count =
        new NbdObserver() {
          @Override
          public void request(String command, long bytes, long nanos, int error) {
            served
                .computeIfAbsent(command + (error == 0 ? "" : " failed"), k -> new LongAdder())
                .increment();
          }
        };
    ServedPool s = new ServedPool(count, tmp.resolve("pool"), 256 * MIB, false, SIZE, MIB, SIZE);
    byte[] mine = new byte[64 << 10];
    new Random(seed ^ 0x5eed).nextBytes(mine);
    try (RawClient good = s.client().greet().go("3", true)) {
      good.write(1, 4096, mine, Nbd.CMD_FLAG_FUA);
      assertThat(good.simpleReply().error()).isZero();
      for (int i = 0; i < SESSIONS; i++) {
        long sessionSeed = rnd.nextLong();
        new Session(new Random(sessionSeed), s).run(replay + seed + " session " + i);
        good.request(0, Nbd.CMD_READ, 100 + i, 4096, 512);
        RawClient.Chunk ch = good.chunk();
        assertThat(ch.error()).as(replay + seed + " after session " + i).isZero();
        assertThat(ch.payload().get(8)).isEqualTo(mine[0]);
      }
      good.request(Nbd.CMD_FLAG_DF, Nbd.CMD_READ, 1, 4096, mine.length);
      ByteBuffer p = good.chunk().payload();
      p.getLong();
      byte[] back = new byte[mine.length];
      p.get(back);
      assertThat(back).as(replay + seed).isEqualTo(mine);
    }
    System.err.println("ServerFuzzTest: requests answered " + served);
    // the fuzzer must get past the handshake often enough to reach the device, not only bounce
    for (String c : List.of("read", "write", "trim", "write_zeroes", "invalid failed")) {
      assertThat(served.getOrDefault(c, new LongAdder()).sum()).as(c).isPositive();
    }
    ExternalTool.Result fresh =
        ExternalTool.run(
            "qemu-io",
            "-f",
            "raw",
            "-c",
            "write -P 0x42 0 1M",
            "-c",
            "read -P 0x42 0 1M",
            s.uri(1));
    assertThat(fresh.exitCode()).as(replay + seed + "\n" + fresh.all()).isZero();
    s.close();
    ExternalTool.Result check =
        ExternalTool.run("thin_check", s.dir.resolve("metadata").toString());
    assertThat(check.exitCode()).as(replay + seed + "\n" + check.all()).isZero();
  }

  /** One fuzzing connection: a random handshake, maybe transmission, then an end of some kind. */
  private static final class Session {
    private final Random r;
    private final ServedPool s;
    private final List<ByteBuffer> out = new ArrayList<>();

    Session(Random r, ServedPool s) {
      this.r = r;
      this.s = s;
    }

    void run(String where) throws Exception {
      int flags = r.nextInt(10) < 8 ? 3 : r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(4);
      out.add(ByteBuffer.allocate(4).putInt(0, flags));
      int options = r.nextInt(3) == 0 ? 0 : r.nextInt(8); // a third go straight to GO
      for (int i = 0; i < options; i++) {
        option();
      }
      if (r.nextInt(4) != 0) { // most sessions reach transmission (if the server agrees)
        if (r.nextBoolean()) {
          option(Nbd.OPT_STRUCTURED_REPLY, ByteBuffer.allocate(0));
          option(Nbd.OPT_SET_META_CONTEXT, RawClient.metaQuery("1", "base:allocation"));
        }
        option(Nbd.OPT_GO, RawClient.exportQuery(r.nextInt(5) == 0 ? "" : "1"));
        int commands = r.nextInt(40);
        for (int i = 0; i < commands; i++) {
          command();
        }
      }
      int end = r.nextInt(4);
      if (end == 0) {
        out.add(RawClient.header(0, Nbd.CMD_DISC, 0, 0, 0));
      }
      exchange(where, end == 3);
    }

    /** Sends everything while draining replies; then half-closes and waits for the server. */
    private void exchange(String where, boolean abrupt) throws Exception {
      try (Socket sock = new Socket(s.address.getAddress(), s.address.getPort())) {
        sock.setSoTimeout((int) CLOSE_WITHIN.toMillis());
        AtomicBoolean eof = new AtomicBoolean();
        Thread reader = Thread.ofVirtual().start(() -> drain(sock, eof));
        try {
          for (ByteBuffer b : out) {
            sock.getOutputStream().write(b.array(), b.arrayOffset(), b.limit());
          }
          if (abrupt) {
            return; // closed with requests in flight: the server must cope
          }
          sock.shutdownOutput();
        } catch (IOException e) {
          // the server closed on a violation before reading everything: allowed
        }
        reader.join(CLOSE_WITHIN.plusSeconds(5));
        assertThat(eof).as(where + ": the server did not close the connection").isTrue();
      }
    }

    private static void drain(Socket sock, AtomicBoolean eof) {
      byte[] buf = new byte[64 << 10];
      try {
        InputStream in = sock.getInputStream();
        while (in.read(buf) >= 0) {
          // replies are not checked here: the framing is other tests' business
        }
        eof.set(true);
      } catch (IOException e) {
        eof.set(!(e instanceof java.net.SocketTimeoutException)); // a reset closes too
      }
    }

    private void option() {
      int k = r.nextInt(100);
      if (k < 10) {
        option(Nbd.OPT_STRUCTURED_REPLY, garbage(r.nextInt(8) == 0 ? 3 : 0));
      } else if (k < 25) {
        option(r.nextBoolean() ? Nbd.OPT_GO : Nbd.OPT_INFO, exportQuery());
      } else if (k < 35) {
        option(
            r.nextBoolean() ? Nbd.OPT_SET_META_CONTEXT : Nbd.OPT_LIST_META_CONTEXT,
            RawClient.metaQuery(name(), contextQueries()));
      } else if (k < 40) {
        option(Nbd.OPT_LIST, garbage(r.nextInt(6) == 0 ? 5 : 0));
      } else if (k < 45) {
        option(11, garbage(r.nextInt(6) == 0 ? 2 : 0)); // EXTENDED_HEADERS
      } else if (k < 50) {
        option(Nbd.OPT_STARTTLS, ByteBuffer.allocate(0));
      } else if (k < 54) {
        option(Nbd.OPT_EXPORT_NAME, ByteBuffer.wrap(name().getBytes(StandardCharsets.UTF_8)));
      } else if (k < 57) {
        option(Nbd.OPT_ABORT, ByteBuffer.allocate(0));
      } else if (k < 75) {
        option(r.nextInt(24), garbage(r.nextInt(64)));
      } else if (k < 85) {
        option(r.nextInt(), garbage(r.nextInt(100)));
      } else if (k < 92) { // a length that lies about the data
        int said = r.nextInt(64);
        out.add(
            ByteBuffer.allocate(16)
                .putLong(0, Nbd.IHAVEOPT)
                .putInt(8, 1 + r.nextInt(10))
                .putInt(12, said));
        out.add(garbage(Math.max(0, said + r.nextInt(9) - 4)));
      } else if (k < 96) {
        out.add(ByteBuffer.allocate(16).putLong(0, r.nextLong()).putInt(12, r.nextInt(16)));
      } else {
        option(r.nextInt(12), garbage((64 << 10) + r.nextInt(64 << 10))); // over the data limit
      }
    }

    private void option(int code, ByteBuffer data) {
      out.add(
          ByteBuffer.allocate(16)
              .putLong(0, Nbd.IHAVEOPT)
              .putInt(8, code)
              .putInt(12, data.remaining()));
      out.add(data);
    }

    private ByteBuffer exportQuery() {
      if (r.nextInt(5) == 0) {
        return garbage(r.nextInt(40));
      }
      int[] infos = new int[r.nextInt(6)];
      for (int i = 0; i < infos.length; i++) {
        infos[i] = r.nextInt(6);
      }
      return RawClient.exportQuery(name(), infos);
    }

    private String[] contextQueries() {
      String[] pool = {"base:allocation", "base:", "qemu:dirty-bitmap:x", "", "\u00e9:\u00e9"};
      String[] q = new String[r.nextInt(4)];
      for (int i = 0; i < q.length; i++) {
        q[i] = pool[r.nextInt(pool.length)];
      }
      return q;
    }

    private String name() {
      String[] names = {"1", "2", "", "9", "01", "-1", "16777216", "x", "1 "};
      return names[r.nextInt(names.length)];
    }

    private void command() {
      int[] types = {0, 0, 1, 1, 1, 3, 4, 4, 5, 6, 6, 7, 7, 8, 9, 0xffff};
      int type = r.nextInt(60) == 0 ? Nbd.CMD_DISC : types[r.nextInt(types.length)];
      int f = r.nextInt(20);
      int flags = f < 12 ? 0 : f < 15 ? Nbd.CMD_FLAG_FUA : f < 19 ? r.nextInt(0x20) : r.nextInt();
      long offset = r.nextInt(3) != 0 ? r.nextLong(SIZE) & ~511L : offset();
      // mostly what a client sends; sometimes lengths that desync or end the stream
      long length = r.nextInt(3) != 0 ? 512L * r.nextInt(1, 129) : length();
      if (r.nextInt(40) == 0) {
        ByteBuffer h = RawClient.header(flags, type, r.nextLong(), offset, length);
        h.putInt(0, r.nextInt()); // bad magic: the server closes this connection
        out.add(h);
        return;
      }
      out.add(RawClient.header(flags, type, r.nextLong(), offset, length));
      if (type == Nbd.CMD_WRITE) {
        // a payload of the announced size when small, else a short one that desyncs the stream
        out.add(garbage((int) Math.min(length, MAX_FUZZ_PAYLOAD)));
      }
    }

    private long offset() {
      return switch (r.nextInt(7)) {
        case 0 -> 0;
        case 1 -> (long) r.nextInt((int) (SIZE / 512)) * 512;
        case 2 -> r.nextLong(SIZE);
        case 3 -> SIZE - 512L * r.nextInt(4);
        case 4 -> SIZE + r.nextInt(1 << 20);
        case 5 -> -1L - r.nextInt(4096);
        default -> r.nextLong();
      };
    }

    private long length() {
      return switch (r.nextInt(8)) {
        case 0 -> 0;
        case 1 -> 512;
        case 2 -> 4096;
        case 3 -> r.nextInt(MAX_FUZZ_PAYLOAD);
        case 4 -> (long) (r.nextInt(64) + 1) << 16;
        case 5 -> 0xffffffffL - r.nextInt(2);
        case 6 -> (32 << 20) + r.nextInt(2);
        default -> r.nextInt(1 << 20);
      };
    }

    private ByteBuffer garbage(int n) {
      byte[] b = new byte[n];
      r.nextBytes(b);
      return ByteBuffer.wrap(b);
    }
  }
}

package org.thinpool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;
import org.thinpool.testing.ExternalTool;

/**
 * Issue 9 item 8: Prometheus metrics of the pool and of the NBD traffic. Every series is read
 * before and after known traffic (a real client, then hand-made requests) and must have moved by
 * exactly what that traffic does.
 */
class MetricsServiceTest {
  private static final long KIB = 1024;

  @TempDir Path tmp;

  @Test
  void everySeriesMovesByWhatTheTrafficDid() throws Exception {
    ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(64 << 20));
    pool.createThin(1, 16 << 20);
    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    MetricsService metrics = new MetricsService(any);
    NbdService nbd = new NbdService(List.of(any), false);
    try (ThinpoolServer server = ThinpoolServer.start(pool, List.of(metrics, nbd))) {
      int port = ((InetSocketAddress) nbd.boundAddresses().getFirst()).getPort();
      Scrape before = scrape(metrics.port());
      assertThat(before.get("thinpool_pool_data_blocks_used")).isZero();
      assertThat(before.get("thinpool_pool_data_blocks_total")).isEqualTo(1024);
      assertThat(before.get("thinpool_thin_mapped_blocks{thin_id=\"1\"}")).isZero();
      assertThat(before.get("thinpool_nbd_connections")).isZero();

      // A real client: 128 KiB written, read back, 64 KiB trimmed, 64 KiB zeroed, flushed.
      ExternalTool.Result r =
          ExternalTool.run(
              "qemu-io",
              "-f",
              "raw",
              "-c",
              "write -P 7 0 128k",
              "-c",
              "read -P 7 0 128k",
              "-c",
              "discard 0 64k",
              "-c",
              "write -z 128k 64k",
              "-c",
              "flush",
              "nbd://127.0.0.1:" + port + "/1");
      assertThat(r.exitCode()).as(r.all()).isZero();
      Scrape mid = scrape(metrics.port());
      Scrape d = mid.minus(before);
      assertThat(d.get(req("write"))).isEqualTo(1);
      assertThat(d.get(bytes("write"))).isEqualTo(128 * KIB);
      assertThat(d.get(req("read"))).isEqualTo(1);
      assertThat(d.get(bytes("read"))).isEqualTo(128 * KIB);
      assertThat(d.get(req("trim"))).isEqualTo(1);
      assertThat(d.get(bytes("trim"))).isEqualTo(64 * KIB);
      assertThat(d.get(req("write_zeroes"))).isEqualTo(1);
      assertThat(d.get(bytes("write_zeroes"))).isEqualTo(64 * KIB);
      assertThat(d.get(req("flush"))).isGreaterThanOrEqualTo(1); // qemu-io flushes on exit too
      assertThat(d.get(bytes("flush"))).isZero();
      for (String c : List.of("write", "read", "trim", "write_zeroes", "flush")) {
        assertThat(d.get(latencyCount(c))).as(c).isEqualTo(d.get(req(c)));
        assertThat(d.get(latencyBucket(c, "+Inf"))).as(c).isEqualTo(d.get(req(c)));
      }
      // 64 KiB blocks: block 0 trimmed away, block 1 written, block 2 zeroed without holes
      assertThat(mid.get("thinpool_pool_data_blocks_used")).isEqualTo(2);
      assertThat(mid.get("thinpool_thin_mapped_blocks{thin_id=\"1\"}")).isEqualTo(2);
      assertThat(mid.get("thinpool_pool_metadata_blocks_used")).isPositive();
      assertThat(mid.get("thinpool_pool_metadata_blocks_total"))
          .isEqualTo(pool.status().metadataBlocksTotal());
      assertThat(mid.get("thinpool_nbd_connections")).isZero();

      // Hand-made requests: CACHE, an unknown command, a write past the end, then a bad magic.
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        Nbd c = Nbd.exportName(s, "1");
        c.request(5, 1, 0, 256 * KIB); // CACHE
        assertThat(c.error()).isZero();
        c.request(99, 2, 0, 0); // unknown command
        assertThat(c.error()).isEqualTo(22);
        c.request(1, 3, 16 << 20, 0); // WRITE of nothing at the very end: fine
        assertThat(c.error()).isZero();
        c.request(6, 4, (16 << 20) - 512, 4096); // WRITE_ZEROES past the end
        assertThat(c.error()).isEqualTo(28);
        assertThat(scrape(metrics.port()).get("thinpool_nbd_connections")).isEqualTo(1);
        c.out.writeInt(0x12345678); // bad magic: the server closes this connection
        c.out.write(new byte[24]);
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        Nbd.exportName(s, "1"); // and then leaves without DISC
      }
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        new DataInputStream(s.getInputStream()).readFully(new byte[18]);
        new DataOutputStream(s.getOutputStream()).writeInt(0x80); // unknown client flags
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      Scrape after = awaitConnections(metrics.port(), 0);
      Scrape e = after.minus(mid);
      assertThat(e.get(req("cache"))).isEqualTo(1);
      assertThat(e.get(bytes("cache"))).isEqualTo(256 * KIB);
      assertThat(e.get(req("invalid"))).isEqualTo(2);
      assertThat(e.get(req("write"))).isEqualTo(1);
      assertThat(e.get("thinpool_nbd_errors_total{command=\"invalid\",kind=\"EINVAL\"}"))
          .isEqualTo(1);
      assertThat(e.get("thinpool_nbd_errors_total{command=\"invalid\",kind=\"ENOSPC\"}"))
          .isEqualTo(1);
      assertThat(e.get(connErr("bad_magic"))).isEqualTo(1);
      assertThat(e.get(connErr("dropped"))).isEqualTo(1);
      assertThat(e.get(connErr("protocol"))).isEqualTo(1);
      assertThat(e.get(connErr("handshake_timeout"))).isZero();
      assertThat(after.get("thinpool_pool_data_blocks_used")).isEqualTo(2);
    }
  }

  /** Connections close asynchronously after the client sees EOF: wait for the gauge. */
  private static Scrape awaitConnections(int port, int n) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    Scrape s = scrape(port);
    while (s.get("thinpool_nbd_connections") != n && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      s = scrape(port);
    }
    assertThat(s.get("thinpool_nbd_connections")).isEqualTo(n);
    return s;
  }

  private static String req(String command) {
    return "thinpool_nbd_requests_total{command=\"" + command + "\"}";
  }

  private static String bytes(String command) {
    return "thinpool_nbd_bytes_total{command=\"" + command + "\"}";
  }

  private static String latencyCount(String command) {
    return "thinpool_nbd_request_duration_seconds_count{command=\"" + command + "\"}";
  }

  private static String latencyBucket(String command, String le) {
    return "thinpool_nbd_request_duration_seconds_bucket{command=\""
        + command
        + "\",le=\""
        + le
        + "\"}";
  }

  private static String connErr(String kind) {
    return "thinpool_nbd_connection_errors_total{kind=\"" + kind + "\"}";
  }

  /** One scrape: series (name and labels, as printed) to value; absent series read as 0. */
  record Scrape(java.util.Map<String, Double> values) {
    long get(String series) {
      return Math.round(values.getOrDefault(series, 0.0));
    }

    Scrape minus(Scrape earlier) {
      java.util.Map<String, Double> d = new java.util.HashMap<>();
      values.forEach((k, v) -> d.put(k, v - earlier.values.getOrDefault(k, 0.0)));
      return new Scrape(d);
    }
  }

  private static Scrape scrape(int port) throws Exception {
    HttpResponse<String> resp =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(resp.statusCode()).isEqualTo(200);
    java.util.Map<String, Double> values = new java.util.HashMap<>();
    for (String line : resp.body().split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int space = line.lastIndexOf(' ');
        values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    return new Scrape(values);
  }

  /** The smallest client: EXPORT_NAME, then simple requests one at a time. */
  private record Nbd(DataInputStream in, DataOutputStream out) {
    static Nbd exportName(Socket s, String name) throws Exception {
      DataInputStream in = new DataInputStream(s.getInputStream());
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      in.readFully(new byte[18]);
      out.writeInt(3);
      out.writeLong(0x49484156454F5054L);
      out.writeInt(1);
      out.writeInt(name.length());
      out.write(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      in.readFully(new byte[10]);
      return new Nbd(in, out);
    }

    void request(int type, long cookie, long offset, long length) throws Exception {
      out.writeInt(0x25609513);
      out.writeShort(0);
      out.writeShort(type);
      out.writeLong(cookie);
      out.writeLong(offset);
      out.writeInt((int) length);
      out.flush();
    }

    int error() throws Exception {
      assertThat(in.readInt()).isEqualTo(0x67446698);
      int err = in.readInt();
      in.readLong();
      return err;
    }
  }
}

package org.thinpool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
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

/** Issue 9 item 8: Prometheus metrics of the pool and of the NBD traffic. */
class MetricsServiceTest {
  @TempDir Path tmp;

  @Test
  void scrapeShowsPoolUsageDeviceMappingsRequestsBytesLatencyErrorsConnections() throws Exception {
    ThinPool pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(64 << 20));
    pool.createThin(1, 16 << 20);
    InetSocketAddress any = new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0);
    MetricsService metrics = new MetricsService(any);
    NbdService nbd = new NbdService(List.of(any), false);
    try (ThinpoolServer server = ThinpoolServer.start(pool, List.of(metrics, nbd))) {
      InetSocketAddress a = (InetSocketAddress) nbd.boundAddresses().getFirst();
      String uri = "nbd://127.0.0.1:" + a.getPort() + "/1";
      ExternalTool.Result r =
          ExternalTool.run(
              "qemu-io", "-f", "raw", "-c", "write -P 1 0 128k", "-c", "read -P 1 0 128k", uri);
      assertThat(r.exitCode()).as(r.all()).isZero();
      // EXPORT_NAME, then a bad command
      try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), a.getPort())) {
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        in.readFully(new byte[18]);
        out.writeInt(3);
        out.writeLong(0x49484156454F5054L);
        out.writeInt(1);
        out.writeInt(1);
        out.writeByte('1');
        in.readFully(new byte[10]);
        out.writeInt(0x25609513);
        out.writeShort(0);
        out.writeShort(99);
        out.writeLong(7);
        out.writeLong(0);
        out.writeInt(0);
        in.readFully(new byte[16]);
        String text = scrape(metrics.port());
        assertThat(text).contains("thinpool_nbd_connections 1.0");
        assertThat(text)
            .contains("thinpool_nbd_errors_total{command=\"invalid\",errno=\"22\"} 1.0");
      }
      String text = scrape(metrics.port());
      assertThat(text)
          .contains("thinpool_pool_data_blocks_used 2.0")
          .contains("thinpool_pool_data_blocks_total 1024.0")
          .contains("thinpool_pool_metadata_blocks_total")
          .contains("thinpool_thin_mapped_blocks{thin_id=\"1\"} 2.0")
          .contains("thinpool_nbd_requests_total{command=\"write\"}")
          .contains("thinpool_nbd_bytes_total{command=\"read\"} 131072.0")
          .contains("thinpool_nbd_request_duration_seconds_bucket{command=\"read\",le=");
    }
  }

  private static String scrape(int port) throws Exception {
    HttpResponse<String> resp =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(resp.statusCode()).isEqualTo(200);
    return resp.body();
  }
}

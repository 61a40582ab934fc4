package org.thinpool.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import org.thinpool.nbd.NbdObserver;
import org.thinpool.pool.PoolStatus;
import org.thinpool.pool.ThinPool;

/**
 * {@code serve --metrics ADDR:PORT}: Prometheus text format on {@code /metrics}, through the
 * Prometheus Java client (its registry and HTTP exporter). Pool figures are read when scraped; NBD
 * traffic is counted as it happens ({@link #nbdObserver}). Start it before the NBD service.
 *
 * <p>Series: {@code thinpool_pool_data_blocks_used|total}, {@code
 * thinpool_pool_metadata_blocks_used|total}, {@code thinpool_thin_mapped_blocks{thin_id}}, {@code
 * thinpool_nbd_requests_total{command}}, {@code thinpool_nbd_bytes_total{command}} (payloads of
 * READ and WRITE, the ranges of TRIM, WRITE_ZEROES and CACHE), {@code
 * thinpool_nbd_request_duration_seconds{command}} (histogram), {@code
 * thinpool_nbd_errors_total{command,kind}} (kind = the NBD errno's name: EINVAL, EPERM, ENOSPC,
 * EIO, ESHUTDOWN…), {@code thinpool_nbd_connection_errors_total{kind}} (bad_magic, protocol,
 * dropped, handshake_timeout, refused), {@code thinpool_nbd_connections}.
 */
public final class MetricsService implements Service {
  /** Scrapes list this many devices at most: one series each; a scrape stays bounded. */
  static final int MAX_DEVICE_SERIES = 4096;

  private final InetSocketAddress address;
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests =
      Counter.builder()
          .name("thinpool_nbd_requests")
          .help("NBD requests served, by command")
          .labelNames("command")
          .register(registry);
  private final Counter bytes =
      Counter.builder()
          .name("thinpool_nbd_bytes")
          .help("Bytes moved (READ, WRITE) or affected (TRIM, WRITE_ZEROES, CACHE), by command")
          .labelNames("command")
          .register(registry);
  private final Counter errors =
      Counter.builder()
          .name("thinpool_nbd_errors")
          .help("NBD requests answered with an error, by command and errno name")
          .labelNames("command", "kind")
          .register(registry);
  private final Counter connectionErrors =
      Counter.builder()
          .name("thinpool_nbd_connection_errors")
          .help("NBD connections ended by a violation, a dropped client, a timeout or a refusal")
          .labelNames("kind")
          .register(registry);
  private final Histogram latency =
      Histogram.builder()
          .name("thinpool_nbd_request_duration_seconds")
          .help("Time from dispatch to reply of NBD requests, by command")
          .classicOnly()
          .classicUpperBounds(
              0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
              0.5, 1, 2.5, 10)
          .labelNames("command")
          .register(registry);
  private final Gauge connections =
      Gauge.builder()
          .name("thinpool_nbd_connections")
          .help("Open NBD connections")
          .register(registry);
  private HTTPServer http;

  public MetricsService(InetSocketAddress address) {
    this.address = address;
  }

  @Override
  public String name() {
    return "metrics";
  }

  @Override
  public void start(ServerContext context) throws IOException {
    ThinPool pool = context.pool();
    poolGauge("thinpool_pool_data_blocks_used", "Data blocks in use", pool, true, true);
    poolGauge("thinpool_pool_data_blocks_total", "Data blocks in the pool", pool, true, false);
    poolGauge("thinpool_pool_metadata_blocks_used", "Metadata blocks in use", pool, false, true);
    poolGauge("thinpool_pool_metadata_blocks_total", "Metadata blocks", pool, false, false);
    GaugeWithCallback.builder()
        .name("thinpool_thin_mapped_blocks")
        .help("Mapped (provisioned) blocks per thin device")
        .labelNames("thin_id")
        .callback(
            cb -> {
              try {
                for (long id : pool.deviceIds().stream().limit(MAX_DEVICE_SERIES).toList()) {
                  cb.call((double) pool.thinStatus(id).mappedBlocks(), Long.toString(id));
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
        .register(registry);
    http =
        HTTPServer.builder()
            .inetAddress(address.getAddress())
            .port(address.getPort())
            .registry(registry)
            .buildAndStart();
  }

  private void poolGauge(String name, String help, ThinPool pool, boolean data, boolean used) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(
            cb -> {
              try {
                PoolStatus s = pool.status();
                cb.call(
                    (double)
                        (data
                            ? (used ? s.dataBlocksUsed() : s.dataBlocksTotal())
                            : (used ? s.metadataBlocksUsed() : s.metadataBlocksTotal())));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
        .register(registry);
  }

  /** The port actually bound (for port 0). */
  public int port() {
    return http.getPort();
  }

  /** What the NBD server reports its traffic to. */
  public NbdObserver nbdObserver() {
    return new NbdObserver() {
      @Override
      public void connectionOpened() {
        connections.inc();
      }

      @Override
      public void connectionClosed() {
        connections.dec();
      }

      @Override
      public void connectionError(NbdObserver.ConnectionError kind) {
        connectionErrors.labelValues(kind.label()).inc();
      }

      @Override
      public void request(String command, long n, long nanos, int error) {
        requests.labelValues(command).inc();
        if (n > 0) {
          bytes.labelValues(command).inc((double) n);
        }
        latency.labelValues(command).observe(nanos / 1e9);
        if (error != 0) {
          errors.labelValues(command, NbdObserver.errorName(error)).inc();
        }
      }
    };
  }

  @Override
  public void stop() {
    if (http != null) {
      http.close();
    }
  }
}

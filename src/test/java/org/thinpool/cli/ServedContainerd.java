package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.thinpool.testing.CliRun;
import org.thinpool.testing.Containerd;
import org.thinpool.testing.JsonReader;
import org.thinpool.testing.OciImage;

/**
 * The containers harness of issue 10 item 8: {@code thinpool serve --containerd} on a pool folder
 * (made by serve, or beforehand by {@code thinpool create} with the options a case wants), a
 * private containerd using it as the proxy snapshotter, and the offline busybox image imported into
 * it. Measures in pool data blocks with {@code thinpool info --json} (through the control socket).
 */
final class ServedContainerd implements AutoCloseable {
  static final String IMAGE = "localhost/busybox:latest";

  final Path pool;
  private final ServeProcess serve;
  private final Containerd containerd;

  private ServedContainerd(Path pool, ServeProcess serve, Containerd containerd) {
    this.pool = pool;
    this.serve = serve;
    this.containerd = containerd;
  }

  /**
   * Serves {@code dir/pool} (a base device of 1 GiB), starts containerd in {@code dir/containerd}
   * and imports {@code archive} (from {@link OciImage#build}).
   */
  static ServedContainerd start(Path dir, Path archive) throws Exception {
    Path pool = dir.resolve("pool");
    Path sock = dir.resolve("thinpool.sock");
    List<String> args = serveArgs(pool, sock, "1G");
    ServeProcess serve = new ServeProcess(dir, args.toArray(String[]::new));
    Containerd containerd = null;
    try {
      serve.uris();
      containerd = Containerd.start(dir.resolve("containerd"), Optional.of(sock));
      containerd.importImage(archive, "localhost/busybox", Containerd.SNAPSHOTTER);
      return new ServedContainerd(pool, serve, containerd);
    } catch (Exception | Error e) {
      try (serve) {
        if (containerd != null) {
          containerd.close();
        }
      }
      throw e;
    }
  }

  /**
   * {@code thinpool --pool POOL serve --listen none --containerd SOCK --base-size BASE} (a mutable
   * list: callers add options).
   */
  static List<String> serveArgs(Path pool, Path sock, String baseSize) {
    return new ArrayList<>(
        List.of(
            "--pool",
            pool.toString(),
            "serve",
            "--listen",
            "none",
            "--containerd",
            sock.toString(),
            "--base-size",
            baseSize));
  }

  Containerd containerd() {
    return containerd;
  }

  /** Runs a container to its end (it stays, with its snapshot); returns its output. */
  String run(String id, String script) throws IOException {
    return containerd.ctrOk(
        "run", "--snapshotter", Containerd.SNAPSHOTTER, IMAGE, id, "sh", "-c", script);
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> info() {
    CliRun r = CliRun.run(pool, "info", "--json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    return (Map<String, Object>) JsonReader.parse(r.out());
  }

  /** Data blocks in use in the pool. */
  long usedBlocks() {
    Map<String, Object> i = info();
    return (Long) i.get("data_space_used") / (Long) i.get("block_size");
  }

  /** Exclusive data blocks of each snapshot's device, by snapshot key or name. */
  @SuppressWarnings("unchecked")
  Map<String, Long> exclusiveBlocks() {
    Map<String, Object> i = info();
    long block = (Long) i.get("block_size");
    Map<String, Long> out = new HashMap<>();
    for (Object o : (List<Object>) i.get("devices")) {
      Map<String, Object> d = (Map<String, Object>) o;
      if (d.get("snapshot") instanceof String name) {
        // containerd names a proxy's snapshots NAMESPACE/N/KEY; a container's KEY is its id
        String key = name.substring(name.indexOf('/', name.indexOf('/') + 1) + 1);
        out.put(key, (Long) d.get("exclusive") / block);
      }
    }
    return out;
  }

  /** Stops containerd (its containers removed), then serve with SIGTERM: it must exit 0. */
  @Override
  public void close() throws Exception {
    try (serve) {
      containerd.close();
      assertThat(serve.terminate()).as(serve.output()).isZero();
    }
  }
}

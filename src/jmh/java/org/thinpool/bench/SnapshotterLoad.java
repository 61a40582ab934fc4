package org.thinpool.bench;

import containerd.services.snapshots.v1.SnapshotsGrpc;
import containerd.services.snapshots.v1.SnapshotsOuterClass.CommitSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.PrepareSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.RemoveSnapshotRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.thinpool.server.SnapshotsChannels;

/**
 * Issue 10 item 10: Prepare and Commit latency of a served snapshotter with 1 and with N existing
 * snapshots (flat is the goal: O(1) per call), and the server's resident memory with N snapshots. A
 * gRPC client of the snapshotter's socket, as containerd's proxy is; each sample is one call's wall
 * time. The N snapshots are committed layers, each a Prepare of the base then a Commit (so the
 * server holds no device file for them). Run by bench/snapshotter.sh.
 *
 * <p>Usage: {@code SnapshotterLoad SOCKET SERVER_PID N}
 */
public final class SnapshotterLoad {
  /** Samples per measurement: enough for a stable median and 90th percentile. */
  static final int SAMPLES = 100;

  private final SnapshotsGrpc.SnapshotsBlockingStub stub;
  private int serial;

  private SnapshotterLoad(SnapshotsGrpc.SnapshotsBlockingStub stub) {
    this.stub = stub;
  }

  public static void main(String[] args) throws Exception {
    Path socket = Path.of(args[0]);
    long pid = Long.parseLong(args[1]);
    int n = Integer.parseInt(args[2]);
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    ManagedChannel ch = SnapshotsChannels.open(socket, loop);
    try {
      SnapshotterLoad load = new SnapshotterLoad(SnapshotsGrpc.newBlockingStub(ch));
      load.layer();
      load.measure("with 1 existing snapshot", pid);
      for (int i = 1; i < n; i++) {
        load.layer();
      }
      load.measure("with " + n + " existing snapshots", pid);
    } finally {
      ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      loop.shutdownGracefully().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  /** One committed layer on the base. */
  private void layer() {
    String key = "load-active-" + serial;
    prepare(key);
    commit("load-layer-" + serial++, key);
  }

  private void measure(String what, long pid) throws IOException {
    long[] prepare = new long[SAMPLES];
    long[] commit = new long[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
      String key = "sample-active-" + serial;
      String name = "sample-layer-" + serial++;
      long t0 = System.nanoTime();
      prepare(key);
      long t1 = System.nanoTime();
      commit(name, key);
      long t2 = System.nanoTime();
      remove(name);
      prepare[i] = t1 - t0;
      commit[i] = t2 - t1;
    }
    System.out.printf(
        java.util.Locale.ROOT,
        "%-32s Prepare median %.2f ms p90 %.2f ms | Commit median %.2f ms p90 %.2f ms | %s%n",
        what,
        percentile(prepare, 50),
        percentile(prepare, 90),
        percentile(commit, 50),
        percentile(commit, 90),
        rss(pid));
  }

  private void prepare(String key) {
    stub.prepare(
        PrepareSnapshotRequest.newBuilder().setSnapshotter("thinpool").setKey(key).build());
  }

  private void commit(String name, String key) {
    stub.commit(
        CommitSnapshotRequest.newBuilder()
            .setSnapshotter("thinpool")
            .setName(name)
            .setKey(key)
            .build());
  }

  private void remove(String key) {
    stub.remove(RemoveSnapshotRequest.newBuilder().setSnapshotter("thinpool").setKey(key).build());
  }

  private static double percentile(long[] nanos, int p) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, s.length * p / 100)] / 1e6;
  }

  /** The server's resident set now and at its peak, from /proc. */
  private static String rss(long pid) throws IOException {
    StringBuilder out = new StringBuilder();
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:")) {
        out.append(line.replaceAll("\\s+", " ")).append(' ');
      }
    }
    return out.toString().strip();
  }
}

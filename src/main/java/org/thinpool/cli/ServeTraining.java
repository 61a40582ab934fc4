package org.thinpool.cli;

import com.google.protobuf.FieldMask;
import containerd.services.snapshots.v1.SnapshotsGrpc;
import containerd.services.snapshots.v1.SnapshotsGrpc.SnapshotsBlockingStub;
import containerd.services.snapshots.v1.SnapshotsOuterClass.CleanupRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.CommitSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.Info;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ListSnapshotsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.MountsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.PrepareSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.RemoveSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.StatSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.UpdateSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.UsageRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ViewSnapshotRequest;
import containerd.types.MountOuterClass.Mount;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.thinpool.server.SnapshotsChannels;

/**
 * The client of the training run for the release's {@code serve} cache ({@code lib/serve.aot}, JEP
 * 483/515): build-release.sh starts {@code serve} with {@code lib/serve.args} and {@code
 * -XX:AOTMode=record}, runs this against it (its own JVM: only the server's classes and method
 * profiles go into the cache), then stops the server with SIGTERM, as a supervisor would. What a
 * server does in production is what it is trained on: the control socket's commands, NBD requests
 * (read, write, flush, trim), and, when the server runs the containerd snapshotter, every call of
 * containerd's Snapshots API, with the snapshots mounted (loop over the FUSE device files: the
 * kernel's mount, journal flushes and unmount) and written as containerd's benchmark does. The
 * cheap calls are repeated often enough that the training run's JIT compiles their path at its top
 * tier: the profiles it records are those of a warm server, which a served process compiles from
 * its first calls on ({@code -XX:+AOTCompileEagerly} in serve.args).
 *
 * <p>Usage: {@code ServeTraining POOL NBD_SOCKET [SNAPSHOTTER_SOCKET MOUNT_DIR]}. Exits non-zero if
 * a call fails, which fails the build.
 */
public final class ServeTraining {
  /** Layers prepared, mounted, written, committed: containerd's benchmark does 16. */
  static final int LAYERS = 6;

  /** Stat and Mounts calls: enough for C2 to compile the gRPC path in the training run. */
  static final int CHEAP_CALLS = 1_500;

  /** NBD requests of each kind, for the same reason. */
  static final int NBD_ROUNDS = 2_000;

  /** A thin id the snapshotter of a short training run never reaches (it counts from 1). */
  static final String NBD_DEVICE = "999999";

  private static final String SN = "thinpool";

  private ServeTraining() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2 && args.length != 4) {
      throw new IllegalArgumentException("usage: POOL NBD_SOCKET [SNAPSHOTTER_SOCKET MOUNT_DIR]");
    }
    String pool = args[0];
    if (args.length == 4) {
      snapshotter(Path.of(args[2]), Path.of(args[3]));
    }
    AotTraining.ok("--pool", pool, "thin", "create", NBD_DEVICE, "8M");
    for (int i = 0; i < 20; i++) {
      AotTraining.ok("--pool", pool, "thin", "ls", "--json");
      AotTraining.ok("--pool", pool, "status");
    }
    nbd(Path.of(args[1]));
    AotTraining.ok("--pool", pool, "thin", "delete", NBD_DEVICE);
    System.exit(ExitCodes.OK);
  }

  /** Every call of the Snapshots API, the layers mounted and written through the kernel. */
  private static void snapshotter(Path socket, Path mountDir) throws Exception {
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    ManagedChannel ch = SnapshotsChannels.open(socket, loop);
    try {
      SnapshotsBlockingStub s =
          SnapshotsGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.MINUTES);
      String parent = "";
      for (int l = 0; l < LAYERS; l++) {
        String key = "training/active-" + l;
        List<Mount> mounts =
            s.prepare(
                    PrepareSnapshotRequest.newBuilder()
                        .setSnapshotter(SN)
                        .setKey(key)
                        .setParent(parent)
                        .build())
                .getMountsList();
        writeLayer(mounts.getFirst(), mountDir, l);
        var _ = s.usage(UsageRequest.newBuilder().setSnapshotter(SN).setKey(key).build());
        String name = "training/layer-" + l;
        var _ =
            s.commit(
                CommitSnapshotRequest.newBuilder()
                    .setSnapshotter(SN)
                    .setName(name)
                    .setKey(key)
                    .build());
        parent = name;
      }
      readView(s, parent, mountDir);
      cheapCalls(s, parent);
      for (int l = LAYERS - 1; l >= 0; l--) {
        var _ =
            s.remove(
                RemoveSnapshotRequest.newBuilder()
                    .setSnapshotter(SN)
                    .setKey("training/layer-" + l)
                    .build());
      }
      var _ = s.cleanup(CleanupRequest.newBuilder().setSnapshotter(SN).build());
    } finally {
      ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  /** Mounts, writes 1 MiB files (fsynced, as a layer's unpacking does), unmounts. */
  private static void writeLayer(Mount m, Path mountDir, int layer) throws Exception {
    mount(m, mountDir);
    try {
      byte[] data = new byte[1 << 20];
      for (int i = 0; i < data.length; i += 4096) {
        data[i] = (byte) (layer + i);
      }
      for (int f = 0; f < 3; f++) {
        Path file = mountDir.resolve("file-" + layer + "-" + f);
        try (FileChannel fc =
            FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
          fc.write(ByteBuffer.wrap(data));
          fc.force(true);
        }
      }
      if (layer > 0) {
        Files.delete(mountDir.resolve("file-" + (layer - 1) + "-0"));
      }
    } finally {
      run("umount", mountDir.toString());
    }
  }

  /** A read-only view of the top layer, mounted and read, then removed. */
  private static void readView(SnapshotsBlockingStub s, String parent, Path mountDir)
      throws Exception {
    String key = "training/view";
    List<Mount> mounts =
        s.view(
                ViewSnapshotRequest.newBuilder()
                    .setSnapshotter(SN)
                    .setKey(key)
                    .setParent(parent)
                    .build())
            .getMountsList();
    mount(mounts.getFirst(), mountDir);
    try (var files = Files.list(mountDir)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        var _ = Files.readAllBytes(p);
      }
    } finally {
      run("umount", mountDir.toString());
    }
    var _ = s.remove(RemoveSnapshotRequest.newBuilder().setSnapshotter(SN).setKey(key).build());
  }

  /** The calls containerd makes most, many times: Stat, Mounts, List, Update, Usage. */
  private static void cheapCalls(SnapshotsBlockingStub s, String committed) {
    String key = "training/cheap";
    var _ =
        s.prepare(
            PrepareSnapshotRequest.newBuilder()
                .setSnapshotter(SN)
                .setKey(key)
                .setParent(committed)
                .build());
    for (int i = 0; i < CHEAP_CALLS; i++) {
      var _ = s.stat(StatSnapshotRequest.newBuilder().setSnapshotter(SN).setKey(key).build());
      var _ = s.mounts(MountsRequest.newBuilder().setSnapshotter(SN).setKey(key).build());
      if (i % 50 == 0) {
        s.list(ListSnapshotsRequest.newBuilder().setSnapshotter(SN).build())
            .forEachRemaining(r -> {});
        var _ =
            s.update(
                UpdateSnapshotRequest.newBuilder()
                    .setSnapshotter(SN)
                    .setInfo(Info.newBuilder().setName(key).putLabels("training", "" + i))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("labels.training"))
                    .build());
        var _ = s.usage(UsageRequest.newBuilder().setSnapshotter(SN).setKey(key).build());
      }
    }
    var _ = s.remove(RemoveSnapshotRequest.newBuilder().setSnapshotter(SN).setKey(key).build());
  }

  private static void mount(Mount m, Path dir) throws Exception {
    run(
        "mount",
        "-t",
        m.getType(),
        "-o",
        String.join(",", m.getOptionsList()),
        m.getSource(),
        dir.toString());
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(List.of(cmd) + " failed");
    }
  }

  /**
   * NBD requests on {@link #NBD_DEVICE} over the server's Unix socket: the fixed-newstyle handshake
   * (OPT_GO), then writes, reads, flushes and trims with simple replies, then DISC.
   */
  private static void nbd(Path socket) throws IOException {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      var _ = read(ch, 18); // NBDMAGIC, IHAVEOPT, handshake flags
      write(ch, ByteBuffer.allocate(4).putInt(3).flip()); // fixed newstyle, no zeroes
      byte[] name = NBD_DEVICE.getBytes(StandardCharsets.US_ASCII);
      ByteBuffer go = ByteBuffer.allocate(16 + 6 + name.length);
      go.putLong(IHAVEOPT).putInt(OPT_GO).putInt(6 + name.length);
      write(ch, go.putInt(name.length).put(name).putShort((short) 0).flip());
      int type;
      do {
        ByteBuffer h = read(ch, 20);
        type = h.getInt(12);
        var _ = read(ch, h.getInt(16));
        if (type < 0) {
          throw new IOException("NBD_OPT_GO refused: " + Integer.toHexString(type));
        }
      } while (type != REP_ACK);
      ByteBuffer data = ByteBuffer.allocate(64 << 10);
      for (int i = 0; i < NBD_ROUNDS; i++) {
        long offset = (i % 128) * 65536L;
        request(ch, CMD_WRITE, offset, data.clear());
        request(ch, CMD_READ, offset, data.clear());
        if (i % 10 == 0) {
          request(ch, CMD_FLUSH, 0, ByteBuffer.allocate(0));
          request(ch, CMD_TRIM, offset, ByteBuffer.allocate(4096));
        }
      }
      write(ch, header(CMD_DISC, 0, 0));
    }
  }

  /** One request and its simple reply; a write sends {@code data}, a read fills it. */
  private static void request(SocketChannel ch, int cmd, long offset, ByteBuffer data)
      throws IOException {
    int length = data.remaining();
    write(ch, header(cmd, offset, length));
    if (cmd == CMD_WRITE) {
      write(ch, data);
    }
    ByteBuffer reply = read(ch, 16);
    if (reply.getInt(0) != SIMPLE_REPLY_MAGIC || reply.getInt(4) != 0) {
      throw new IOException("NBD command " + cmd + " failed: error " + reply.getInt(4));
    }
    if (cmd == CMD_READ) {
      data.clear().limit(length);
      while (data.hasRemaining()) {
        if (ch.read(data) < 0) {
          throw new IOException("NBD server closed the connection");
        }
      }
    }
  }

  private static ByteBuffer header(int cmd, long offset, int length) {
    return ByteBuffer.allocate(28)
        .putInt(REQUEST_MAGIC)
        .putShort((short) 0)
        .putShort((short) cmd)
        .putLong(offset) // the cookie: any value, replies come in order here
        .putLong(offset)
        .putInt(length)
        .flip();
  }

  private static ByteBuffer read(SocketChannel ch, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        throw new IOException("NBD server closed the connection");
      }
    }
    return b.flip();
  }

  private static void write(SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      var _ = ch.write(b);
    }
  }

  // NBD protocol constants (the public protocol document, doc/proto.md of the NBD project).
  private static final long IHAVEOPT = 0x49484156454F5054L;
  private static final int OPT_GO = 7;
  private static final int REP_ACK = 1;
  private static final int REQUEST_MAGIC = 0x25609513;
  private static final int SIMPLE_REPLY_MAGIC = 0x67446698;
  private static final int CMD_READ = 0;
  private static final int CMD_WRITE = 1;
  private static final int CMD_DISC = 2;
  private static final int CMD_FLUSH = 3;
  private static final int CMD_TRIM = 4;
}

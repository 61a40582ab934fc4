package org.thinpool.server;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.thinpool.snapshotter.DeviceFiles;
import org.thinpool.snapshotter.Snapshotter;

/**
 * containerd's Snapshots API on a Unix socket (owner-only, 0600, never reachable with wider
 * permissions: see {@link OwnerOnlySocket}), served by grpc-java over Netty's epoll transport, in
 * the process that owns the pool. Needs the {@link NbdService} started first with a Unix socket at
 * {@link #nbdSocket}: device files are nbdfuse mounts of its exports.
 *
 * <p>Bounds: requests of at most {@link #MAX_MESSAGE_BYTES}, at most {@link #MAX_IN_FLIGHT} calls
 * at once (more are refused with RESOURCE_EXHAUSTED, never queued without end), {@link
 * #MAX_CALLS_PER_CONNECTION} per client; a client that drops mid-call cancels only its call.
 */
public final class SnapshotterService implements Service {
  /**
   * grpc-java asks every accepted channel for SO_KEEPALIVE, which a Unix socket does not have, and
   * Netty warns about it once per connection; the warning is noise on the daemon's terminal. Held
   * here so the level sticks (java.util.logging keeps loggers weakly).
   */
  private static final java.util.logging.Logger NETTY_BOOTSTRAP_LOG =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

  /** containerd's own requests are small; this is gRPC's default cap. */
  static final int MAX_MESSAGE_BYTES = 4 << 20;

  static final int MAX_IN_FLIGHT = 256;
  static final int MAX_CALLS_PER_CONNECTION = 64;

  /** Worker threads: calls mostly wait on fsync and nbdfuse, so more than the cores. */
  static final int WORKER_THREADS = 16;

  static final long STOP_SECONDS = 15;

  private final Path socket;
  private final Snapshotter.Options options;
  private final boolean nbdfuseFiles;
  private Server server;
  private Snapshotter snapshotter;
  private ExecutorService executor;
  private EventLoopGroup loops;

  /** Released by {@link #stop}: a start-up still waiting for the JIT ({@link JitSettle}) ends. */
  private final CountDownLatch stopping = new CountDownLatch(1);

  /** With device files from the in-process FUSE file system ({@link FuseDeviceFiles}). */
  public SnapshotterService(Path socket, Snapshotter.Options options) {
    this(socket, options, false);
  }

  /**
   * With {@code nbdfuseFiles}, device files are one nbdfuse process per device ({@link
   * NbdfuseDeviceFiles}, the fallback); else the in-process FUSE file system.
   */
  public SnapshotterService(Path socket, Snapshotter.Options options, boolean nbdfuseFiles) {
    this.socket = socket.toAbsolutePath();
    this.options = options;
    this.nbdfuseFiles = nbdfuseFiles;
  }

  /** The snapshotter's state folder in a pool folder: records, device files, NBD socket. */
  public static Path stateDir(Path poolDir) {
    return poolDir.resolve("snapshotter");
  }

  /** The NBD socket that the nbdfuse device files connect to; {@link NbdService} listens on it. */
  public static Path nbdSocket(Path poolDir) {
    return stateDir(poolDir).resolve("nbd.sock");
  }

  @Override
  public String name() {
    return "snapshotter";
  }

  @Override
  public void start(ServerContext context) throws IOException {
    Path poolDir = context.pool().directory();
    Path state = stateDir(poolDir);
    DeviceFiles files =
        nbdfuseFiles
            ? new NbdfuseDeviceFiles(state.resolve("files"), nbdSocket(poolDir))
            : new FuseDeviceFiles(state.resolve("devices"), context.pool());
    snapshotter = Snapshotter.open(context.pool(), files, state, options, InstantSource.system());
    try {
      NETTY_BOOTSTRAP_LOG.setLevel(java.util.logging.Level.SEVERE);
      executor =
          Executors.newFixedThreadPool(WORKER_THREADS, Thread.ofPlatform().daemon().factory());
      loops = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
      SnapshotterWarmUp.removeLeftovers(snapshotter);
      server = OwnerOnlySocket.bind(socket, this::startWarmServer, Server::shutdownNow);
    } catch (IOException | RuntimeException e) {
      stop();
      throw e;
    }
  }

  /**
   * The gRPC server listening at {@code path}, the private name it has until it is moved into
   * place, after its warm-up ({@link SnapshotterWarmUp}) and the compiles it queued ({@link
   * JitSettle}): clients find it warm.
   */
  private Server startWarmServer(Path path) throws IOException {
    Server s = startServer(path);
    try {
      SnapshotterWarmUp.run(path, loops);
      var _ = JitSettle.await(stopping);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      s.shutdownNow();
      throw new InterruptedIOException("interrupted during the snapshotter's warm-up");
    } catch (IOException | RuntimeException e) {
      s.shutdownNow();
      throw e;
    }
    return s;
  }

  /** The gRPC server, listening at {@code path}. */
  private Server startServer(Path path) throws IOException {
    return NettyServerBuilder.forAddress(new DomainSocketAddress(path.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(loops)
        .workerEventLoopGroup(loops)
        .executor(executor)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
        .addService(
            ServerInterceptors.intercept(
                snapshotter.grpcService(), new InFlightLimit(MAX_IN_FLIGHT)))
        .build()
        .start();
  }

  /** The snapshotter, once started (tests and {@code thinpool info}). */
  public Snapshotter snapshotter() {
    return snapshotter;
  }

  public Path socket() {
    return socket;
  }

  @Override
  public void stop() throws IOException {
    stopping.countDown();
    try {
      if (server != null) {
        server.shutdown();
        if (!server.awaitTermination(STOP_SECONDS, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    } finally {
      if (executor != null) {
        executor.shutdownNow();
      }
      if (loops != null) {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
      if (snapshotter != null) {
        snapshotter.close();
      }
      Files.deleteIfExists(socket);
    }
  }

  /** Refuses calls beyond a bound instead of queueing them. */
  private static final class InFlightLimit implements ServerInterceptor {
    private final Semaphore permits;

    InFlightLimit(int max) {
      this.permits = new Semaphore(max);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      if (!permits.tryAcquire()) {
        call.close(
            Status.RESOURCE_EXHAUSTED.withDescription("too many snapshotter calls in flight"),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      ServerCall.Listener<Q> inner;
      try {
        inner = next.startCall(call, headers);
      } catch (RuntimeException e) {
        permits.release();
        throw e;
      }
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(inner) {
        private boolean released;

        private void release() {
          if (!released) {
            released = true;
            permits.release();
          }
        }

        @Override
        public void onComplete() {
          try {
            super.onComplete();
          } finally {
            release();
          }
        }

        @Override
        public void onCancel() {
          try {
            super.onCancel();
          } finally {
            release();
          }
        }
      };
    }
  }
}

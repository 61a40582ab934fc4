package org.thinpool.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The control socket: {@code DIR/control.sock}, owner-only (mode 0600, bound in a private directory
 * and moved into place, so it is never reachable with wider permissions). Each connection sends one
 * {@link ControlProtocol.Request}, gets one response and is closed; a request must arrive within
 * {@link #REQUEST_TIMEOUT}. Requests run concurrently, each on its own virtual thread; {@link
 * #stop} stops accepting and waits for the running ones.
 */
public final class ControlService implements Service {
  private static final System.Logger LOG = System.getLogger(ControlService.class.getName());

  public static final String SOCKET_FILE = "control.sock";

  /**
   * A client must send its whole request frame within this (the CLI sends it at once): a silent or
   * trickling client loses its connection and its slot instead of holding one for ever.
   */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** Commands running at once; more wait at accept (back-pressure, not failure). */
  static final int MAX_CONCURRENT = 64;

  private final ControlHandler handler;
  private final Duration requestTimeout;
  private final Set<Thread> running = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.Semaphore slots =
      new java.util.concurrent.Semaphore(MAX_CONCURRENT);
  private ServerSocketChannel channel;
  private Path socket;
  private volatile boolean stopping;

  public ControlService(ControlHandler handler) {
    this(handler, REQUEST_TIMEOUT);
  }

  /** With another deadline for the request frame (tests). */
  ControlService(ControlHandler handler, Duration requestTimeout) {
    this.handler = handler;
    this.requestTimeout = requestTimeout;
  }

  /** The control socket of the pool in {@code poolDir}. */
  public static Path socketPath(Path poolDir) {
    return poolDir.resolve(SOCKET_FILE);
  }

  @Override
  public String name() {
    return "control";
  }

  @Override
  public void start(ServerContext context) throws IOException {
    Path dir = context.pool().directory();
    socket = socketPath(dir);
    channel =
        OwnerOnlySocket.bind(
            socket,
            path -> {
              ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
              try {
                ch.bind(UnixDomainSocketAddress.of(path));
              } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
              }
              return ch;
            },
            ServerSocketChannel::close);
    Thread.ofPlatform().name("control-accept").daemon().start(() -> accept(context));
  }

  private void accept(ServerContext context) {
    while (!stopping) {
      SocketChannel ch;
      try {
        slots.acquireUninterruptibly();
        ch = channel.accept();
      } catch (IOException e) {
        slots.release();
        return;
      }
      Thread t =
          Thread.ofVirtual()
              .name("control")
              .unstarted(
                  () -> {
                    try (ch) {
                      serve(ch, context);
                    } catch (IOException | RuntimeException e) {
                      LOG.log(Level.DEBUG, "control request failed: {0}", e.toString());
                    } finally {
                      running.remove(Thread.currentThread());
                      slots.release();
                    }
                  });
      running.add(t);
      t.start();
    }
  }

  private void serve(SocketChannel ch, ServerContext context) throws IOException {
    java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(1);
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                if (!arrived.await(
                    requestTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                  ch.close(); // no request in time: drop the connection
                }
              } catch (InterruptedException | IOException e) {
                // the connection is gone
              }
            });
    InputStream in = Channels.newInputStream(ch);
    ControlProtocol.Request req;
    try {
      req =
          ControlProtocol.decodeRequest(
              ControlProtocol.readFrame(in, ControlProtocol.MAX_REQUEST_BYTES));
    } finally {
      arrived.countDown();
    }
    ControlProtocol.Response resp = handler.run(req, context);
    OutputStream out = Channels.newOutputStream(ch);
    ControlProtocol.writeFrame(out, ControlProtocol.encode(resp));
  }

  @Override
  public void stop() throws IOException {
    stopping = true;
    if (channel != null) {
      channel.close();
    }
    for (Thread t : Set.copyOf(running)) {
      try {
        t.join(Duration.ofSeconds(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (socket != null) {
      Files.deleteIfExists(socket);
    }
  }
}

package org.thinpool.nbd;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Serves {@link Exports} over NBD on any number of TCP and Unix-domain listeners. Every connection
 * runs on its own virtual thread ({@code Connection}); limits: {@link #MAX_CONNECTIONS} at once
 * (more are closed at accept), {@link #HANDSHAKE_TIMEOUT} to finish the handshake, and one byte
 * budget ({@link #MAX_BUFFERED_BYTES}) shared by the READ/WRITE buffers of all connections. {@link
 * #close} stops accepting and drains: requests in flight finish and answer; options still arriving
 * get ERR_SHUTDOWN and requests ESHUTDOWN, so clients send ABORT or DISC and leave cleanly; after
 * {@link #SHUTDOWN_GRACE} the input of the connections still open is shut (their reader sees EOF);
 * close returns when every connection is gone (or after {@link #DRAIN_TIMEOUT}), and the pool's
 * owner then commits.
 */
public final class NbdServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(NbdServer.class.getName());

  /** Connections at once: each costs a virtual thread and a socket; above this, refuse. */
  public static final int MAX_CONNECTIONS = 4096;

  /**
   * Connections whose reader is a platform thread; later ones get a virtual thread. A virtual
   * thread blocked on a socket is woken through the poller and then a carrier thread, two thread
   * wake-ups per idle read; a platform thread is woken by the socket itself. With cached reads
   * answered by the reader ({@code Connection}), that is most of a 4 KiB read's cost at queue depth
   * 8. Bounded: a platform thread costs a kernel thread, and thousands of clients must not.
   */
  static final int PLATFORM_READERS = 64;

  /** A client that has not finished the handshake by then is closed (slowloris). */
  public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How long {@link #close} lets clients that were told ESHUTDOWN send DISC before it shuts their
   * input: a round trip and a client's reaction, with room for a loaded machine.
   */
  public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(2);

  /** How long {@link #close} waits for connections to finish their requests. */
  public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Heap for request buffers of all connections together: 256 MiB (eight 32 MiB requests); the
   * server's memory stays bounded whatever the clients send.
   */
  public static final int MAX_BUFFERED_BYTES = 256 << 20;

  private final Exports exports;
  private final Semaphore byteBudget = new Semaphore(MAX_BUFFERED_BYTES);
  private final Semaphore platformReaders = new Semaphore(PLATFORM_READERS);
  private final AtomicBoolean closing = new AtomicBoolean();
  private final List<ServerSocketChannel> listeners = new CopyOnWriteArrayList<>();
  private final List<Path> socketFiles = new CopyOnWriteArrayList<>();
  private final List<Thread> acceptors = new CopyOnWriteArrayList<>();
  private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
  private final Set<Thread> connectionThreads = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().factory());

  private final NbdObserver observer;

  public NbdServer(Exports exports) {
    this(exports, NbdObserver.NONE);
  }

  /** A server whose traffic {@code observer} sees (metrics). */
  public NbdServer(Exports exports, NbdObserver observer) {
    this.exports = exports;
    this.observer = observer;
  }

  public Exports exports() {
    return exports;
  }

  /**
   * Listens on a TCP address ({@link InetSocketAddress}; port 0 = any free port) or a Unix-domain
   * socket ({@link UnixDomainSocketAddress}; an old socket file there is replaced) and returns the
   * bound address.
   */
  public SocketAddress listen(SocketAddress address) throws IOException {
    ServerSocketChannel ch;
    if (address instanceof UnixDomainSocketAddress unix) {
      Path p = unix.getPath();
      if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
          && Files.readAttributes(
                  p,
                  java.nio.file.attribute.BasicFileAttributes.class,
                  java.nio.file.LinkOption.NOFOLLOW_LINKS)
              .isOther()) {
        Files.delete(p); // a stale socket of an earlier run
      }
      ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      ch.bind(address);
      socketFiles.add(p);
    } else {
      ch = ServerSocketChannel.open();
      ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      ch.bind(address, 128);
    }
    listeners.add(ch);
    acceptors.add(
        Thread.ofPlatform()
            .name("nbd-accept " + ch.getLocalAddress())
            .daemon()
            .start(() -> accept(ch)));
    return ch.getLocalAddress();
  }

  /** Connections open now (handshaking or transmitting). */
  public int connectionCount() {
    return open.size();
  }

  private void accept(ServerSocketChannel server) {
    while (!closing.get()) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (!closing.get()) {
          LOG.log(Level.WARNING, "accept failed: {0}", e.toString());
        }
        return;
      }
      if (open.size() >= MAX_CONNECTIONS || closing.get()) {
        observer.connectionError(NbdObserver.ConnectionError.REFUSED);
        closeQuietly(ch);
        continue;
      }
      start(ch);
    }
  }

  private void start(SocketChannel ch) {
    try {
      if (ch.getRemoteAddress() instanceof InetSocketAddress) {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      }
    } catch (IOException e) {
      closeQuietly(ch);
      return;
    }
    open.add(ch);
    AtomicBoolean timedOut = new AtomicBoolean();
    ScheduledFuture<?> deadline =
        timer.schedule(
            () -> {
              timedOut.set(true);
              closeQuietly(ch);
            },
            HANDSHAKE_TIMEOUT.toMillis(),
            TimeUnit.MILLISECONDS);
    Connection c =
        new Connection(
            new Wire(ch),
            ch,
            exports,
            byteBudget,
            closing::get,
            () -> deadline.cancel(false),
            observer);
    boolean platform = platformReaders.tryAcquire();
    Thread.Builder builder = platform ? Thread.ofPlatform().daemon() : Thread.ofVirtual();
    Thread t =
        builder
            .name("nbd-connection")
            .unstarted(
                () -> {
                  observer.connectionOpened();
                  try {
                    c.run();
                    report(c, timedOut.get());
                  } finally {
                    observer.connectionClosed();
                    open.remove(ch);
                    connectionThreads.remove(Thread.currentThread());
                    if (platform) {
                      platformReaders.release();
                    }
                  }
                });
    connectionThreads.add(t);
    t.start();
  }

  private void report(Connection c, boolean timedOut) {
    if (timedOut) {
      observer.connectionError(NbdObserver.ConnectionError.HANDSHAKE_TIMEOUT);
    } else if (!closing.get()) { // a drain's EOF is ours, not the client's
      c.error().ifPresent(observer::connectionError);
    }
  }

  /** True once {@link #close} has begun: new requests are answered ESHUTDOWN. */
  public boolean closing() {
    return closing.get();
  }

  @Override
  public void close() throws IOException {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    for (ServerSocketChannel l : listeners) {
      closeQuietly(l);
    }
    joinConnections(System.nanoTime() + SHUTDOWN_GRACE.toNanos(), false);
    for (SocketChannel ch : open) {
      try {
        ch.shutdownInput(); // the reader sees EOF; requests in flight still answer
      } catch (IOException e) {
        closeQuietly(ch);
      }
    }
    joinConnections(System.nanoTime() + DRAIN_TIMEOUT.toNanos(), true);
    for (SocketChannel ch : open) {
      closeQuietly(ch);
    }
    timer.shutdownNow();
    for (Path p : socketFiles) {
      Files.deleteIfExists(p);
    }
  }

  /** Waits for the connection threads until {@code deadlineNanos}; warns of stragglers if asked. */
  private void joinConnections(long deadlineNanos, boolean warn) {
    for (Thread t : List.copyOf(connectionThreads)) {
      long left = deadlineNanos - System.nanoTime();
      try {
        if ((left <= 0 || !t.join(Duration.ofNanos(left))) && warn) {
          LOG.log(Level.WARNING, "a connection did not drain in {0}", DRAIN_TIMEOUT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.log(Level.DEBUG, "close: {0}", e.toString());
    }
  }
}

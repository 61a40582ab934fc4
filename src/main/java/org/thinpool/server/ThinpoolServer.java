package org.thinpool.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.thinpool.pool.ThinPool;

/**
 * The daemon: the one owner of an open pool, hosting services on it. Lifecycle: {@link #start}
 * starts the services in order (a failure stops the ones started and closes nothing it was not
 * given); {@link #close} (or {@link #requestShutdown} followed by {@link #awaitShutdown} returning)
 * stops them in reverse order, each draining its work, then commits and closes the pool.
 */
public final class ThinpoolServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ThinpoolServer.class.getName());

  private final ThinPool pool;
  private final List<Service> started = new ArrayList<>();
  private final CountDownLatch shutdown = new CountDownLatch(1);
  private boolean closed;

  private ThinpoolServer(ThinPool pool) {
    this.pool = pool;
  }

  /**
   * Starts {@code services} on {@code pool}, which the server then owns: {@link #close} commits and
   * closes it. If a service fails to start, the others are stopped, the pool is closed and the
   * error is thrown.
   */
  public static ThinpoolServer start(ThinPool pool, List<? extends Service> services)
      throws IOException {
    ThinpoolServer s = new ThinpoolServer(pool);
    try {
      for (Service svc : services) {
        svc.start(s.context());
        synchronized (s) {
          s.started.add(svc);
        }
      }
    } catch (IOException | RuntimeException e) {
      try {
        s.close();
      } catch (IOException x) {
        e.addSuppressed(x);
      }
      throw e;
    }
    return s;
  }

  public ThinPool pool() {
    return pool;
  }

  /** The started service of that type, if any. */
  public synchronized <T extends Service> Optional<T> service(Class<T> type) {
    return started.stream().filter(type::isInstance).map(type::cast).findFirst();
  }

  /** Asks {@link #awaitShutdown} to return (from a signal handler or a control command). */
  public void requestShutdown() {
    shutdown.countDown();
  }

  /** Blocks until {@link #requestShutdown}. */
  public void awaitShutdown() throws InterruptedException {
    shutdown.await();
  }

  /** Stops every service in reverse order, then commits and closes the pool. Idempotent. */
  @Override
  public void close() throws IOException {
    List<Service> stopping;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      stopping = new ArrayList<>(started);
    }
    shutdown.countDown();
    IOException failure = null;
    for (Service svc : stopping.reversed()) {
      try {
        svc.stop();
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.WARNING, "service {0} did not stop cleanly: {1}", svc.name(), e);
        failure = addTo(failure, e);
      }
    }
    try {
      pool.close(); // commits
    } catch (IOException e) {
      failure = addTo(failure, e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  private ServerContext context() {
    return new ServerContext() {
      @Override
      public ThinPool pool() {
        return pool;
      }

      @Override
      public <T extends Service> Optional<T> service(Class<T> type) {
        return ThinpoolServer.this.service(type);
      }
    };
  }

  private static IOException addTo(IOException failure, Exception e) {
    if (failure == null) {
      return e instanceof IOException io ? io : new IOException(e);
    }
    failure.addSuppressed(e);
    return failure;
  }
}

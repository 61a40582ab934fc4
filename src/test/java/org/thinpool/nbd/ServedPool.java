package org.thinpool.nbd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;

/** A test fixture: a loop-mode pool with devices, served on an ephemeral loopback port. */
final class ServedPool implements AutoCloseable {
  static final long MIB = 1 << 20;

  final Path dir;
  final ThinPool pool;
  final NbdServer server;
  final InetSocketAddress address;
  private final boolean readOnly;
  private boolean closed;

  ServedPool(Path dir, long dataBytes, boolean readOnly, long... deviceSizes) throws IOException {
    this(NbdObserver.NONE, dir, dataBytes, readOnly, deviceSizes);
  }

  /** The same with the server's traffic reported to {@code observer}. */
  ServedPool(NbdObserver observer, Path dir, long dataBytes, boolean readOnly, long... deviceSizes)
      throws IOException {
    this.dir = dir;
    this.readOnly = readOnly;
    pool = ThinPool.create(dir, PoolOptions.ofDataSize(dataBytes));
    for (int i = 0; i < deviceSizes.length; i++) {
      pool.createThin(i + 1, deviceSizes[i]);
    }
    server = new NbdServer(new Exports(pool, readOnly), observer);
    address =
        (InetSocketAddress)
            server.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  boolean readOnly() {
    return readOnly;
  }

  String uri(long id) {
    return "nbd://127.0.0.1:" + address.getPort() + "/" + id;
  }

  RawClient client() throws IOException {
    return RawClient.connect(address);
  }

  /** Closes from another thread, where an exception would go unseen: fails loudly instead. */
  void closeQuietly() {
    try {
      close();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try (pool) {
      server.close();
    }
  }
}

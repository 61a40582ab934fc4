package org.thinpool.server;

import java.io.IOException;

/**
 * A long-running part of the daemon, hosted by {@link ThinpoolServer}.
 *
 * <p>Contract: {@link #start} returns once the service accepts work (its sockets are bound) or
 * throws, and then the server stops the services already started; {@link #stop} stops accepting,
 * lets work in flight finish, and returns when it has (bounded by the service's own timeout); it is
 * called once, after which the pool may be committed and closed. Services reach the pool and each
 * other only through the {@link ServerContext}.
 */
public interface Service {
  /** A short name for logs and errors, e.g. "nbd". */
  String name();

  void start(ServerContext context) throws IOException;

  void stop() throws IOException;
}

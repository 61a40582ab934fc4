package org.thinpool.server;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.thinpool.nbd.Exports;
import org.thinpool.nbd.NbdObserver;
import org.thinpool.nbd.NbdServer;

/** The NBD server as a {@link Service}: every thin device of the pool is an export. */
public final class NbdService implements Service {
  private final List<SocketAddress> addresses;
  private final boolean readOnly;
  private final List<SocketAddress> bound = new ArrayList<>();
  private NbdServer server;

  /** Listens on each address (TCP or Unix-domain); read-only refuses every write. */
  public NbdService(List<SocketAddress> addresses, boolean readOnly) {
    this.addresses = List.copyOf(addresses);
    this.readOnly = readOnly;
  }

  @Override
  public String name() {
    return "nbd";
  }

  @Override
  public void start(ServerContext context) throws IOException {
    NbdObserver observer =
        context
            .service(MetricsService.class)
            .map(MetricsService::nbdObserver)
            .orElse(NbdObserver.NONE);
    server = new NbdServer(new Exports(context.pool(), readOnly), observer);
    try {
      for (SocketAddress a : addresses) {
        bound.add(server.listen(a));
      }
    } catch (IOException e) {
      server.close();
      throw e;
    }
  }

  /** The addresses actually bound (port 0 resolved), in the order given. */
  public List<SocketAddress> boundAddresses() {
    return List.copyOf(bound);
  }

  public Exports exports() {
    return server.exports();
  }

  @Override
  public void stop() throws IOException {
    server.close();
  }
}

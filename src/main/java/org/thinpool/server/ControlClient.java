package org.thinpool.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The CLI's side of the control socket: sends a command line to the server serving a pool. */
public final class ControlClient {
  private ControlClient() {}

  /**
   * Runs the request on the server serving the pool in {@code poolDir}; empty if no server listens
   * there (no socket, or a stale one nobody accepts on).
   */
  public static Optional<ControlProtocol.Response> tryRun(
      Path poolDir, ControlProtocol.Request request) throws IOException {
    Path socket = ControlService.socketPath(poolDir);
    if (!Files.exists(socket)) {
      return Optional.empty();
    }
    SocketChannel ch;
    try {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      return Optional.empty(); // a socket file left by a server that is gone
    }
    try (ch) {
      ControlProtocol.writeFrame(Channels.newOutputStream(ch), ControlProtocol.encode(request));
      return Optional.of(
          ControlProtocol.decodeResponse(
              ControlProtocol.readFrame(
                  Channels.newInputStream(ch), ControlProtocol.MAX_RESPONSE_BYTES)));
    }
  }
}

package org.thinpool.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Unix socket is bound where only its owner can reach it and appears at its path already 0600:
 * while it listens with the umask's mode it sits in a 0700 directory and its final path is empty.
 */
class OwnerOnlySocketTest {
  @TempDir Path tmp;

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static ServerSocketChannel listen(Path path) throws IOException {
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    ch.bind(UnixDomainSocketAddress.of(path));
    return ch;
  }

  @Test
  void theSocketListensInAPrivateDirectoryUntilItIsOwnerOnly() throws IOException {
    Path socket = tmp.resolve("api.sock");
    List<String> seen = new ArrayList<>();
    try (ServerSocketChannel ch =
        OwnerOnlySocket.bind(
            socket,
            path -> {
              ServerSocketChannel c = listen(path);
              seen.add(mode(path.getParent())); // the only way in while the mode is the umask's
              seen.add(String.valueOf(Files.exists(socket)));
              return c;
            },
            ServerSocketChannel::close)) {
      assertThat(seen).containsExactly("rwx------", "false");
      assertThat(mode(socket)).isEqualTo("rw-------");
      try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
          SocketChannel accepted = ch.accept()) {
        assertThat(accepted.isConnected()).isTrue(); // the moved socket is the listening one
      }
    }
    try (var entries = Files.list(tmp)) {
      assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("api.sock");
    }
  }

  @Test
  void aStaleSocketIsReplacedAndAFileIsNot() throws IOException {
    Path socket = tmp.resolve("api.sock");
    listen(socket).close(); // a socket file left behind, as by a killed server
    try (ServerSocketChannel ch =
        OwnerOnlySocket.bind(socket, OwnerOnlySocketTest::listen, ServerSocketChannel::close)) {
      assertThat(mode(socket)).isEqualTo("rw-------");
    }
    Path file = tmp.resolve("data");
    Files.writeString(file, "not a socket");
    AtomicBoolean bound = new AtomicBoolean();
    assertThatThrownBy(
            () ->
                OwnerOnlySocket.bind(
                    file,
                    p -> {
                      bound.set(true);
                      return listen(p);
                    },
                    ServerSocketChannel::close))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is not a socket");
    assertThat(bound).isFalse();
    assertThat(Files.readString(file)).isEqualTo("not a socket");
  }
}

package org.thinpool.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Puts a listening Unix socket at a path with mode 0600 such that it is never reachable with wider
 * permissions: bind(2) makes the socket file with the process's umask, so a chmod after binding at
 * the final path leaves a window in which anyone may connect. Instead the socket is bound inside a
 * fresh directory only the owner can enter (0700, next to the final path, so the move is a rename
 * on one file system), set to 0600 there and renamed into place.
 */
final class OwnerOnlySocket {
  /** Binds a listening socket at the path it is given; returns what the caller keeps. */
  @FunctionalInterface
  interface Binder<T> {
    T bind(Path path) throws IOException;
  }

  /** Stops listening on what {@link Binder#bind} returned (when it cannot be moved into place). */
  @FunctionalInterface
  interface Unbinder<T> {
    void unbind(T bound) throws IOException;
  }

  /**
   * The private directory's prefix; kept short, as the temporary path ({@code PARENT/.sockNNN/s})
   * must fit a Unix socket address (108 bytes) as the final path does.
   */
  static final String PRIVATE_DIR_PREFIX = ".sock";

  private OwnerOnlySocket() {}

  /**
   * Binds with {@code binder} and moves the socket to {@code socket}, replacing a stale socket (of
   * a server that died) but refusing to replace a file or directory that is not one. If the socket
   * cannot be put in place, {@code unbinder} stops it before the error is thrown.
   */
  static <T> T bind(Path socket, Binder<T> binder, Unbinder<T> unbinder) throws IOException {
    if (Files.isRegularFile(socket, LinkOption.NOFOLLOW_LINKS)
        || Files.isDirectory(socket, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(socket + " exists and is not a socket");
    }
    Path privateDir =
        Files.createTempDirectory(
            socket.getParent(),
            PRIVATE_DIR_PREFIX,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path tmp = privateDir.resolve("s");
    try {
      T bound = binder.bind(tmp);
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, socket, StandardCopyOption.ATOMIC_MOVE); // rename(2) replaces a stale one
      } catch (IOException | RuntimeException e) {
        unbinder.unbind(bound);
        throw e;
      }
      return bound;
    } finally {
      Files.deleteIfExists(tmp);
      Files.deleteIfExists(privateDir);
    }
  }
}

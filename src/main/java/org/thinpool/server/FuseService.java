package org.thinpool.server;

import java.io.IOException;
import java.nio.file.Path;
import org.thinpool.fuse.DeviceFileSystem;

/**
 * The FUSE device files as a {@link Service}: every thin device of the pool is the file {@code
 * DIR/<thin id>} while the server runs ({@code serve --fuse DIR}); stopping unmounts.
 */
public final class FuseService implements Service {
  private final Path mountPoint;
  private DeviceFileSystem fs;

  public FuseService(Path mountPoint) {
    this.mountPoint = mountPoint;
  }

  @Override
  public String name() {
    return "fuse";
  }

  @Override
  public void start(ServerContext context) throws IOException {
    fs =
        DeviceFileSystem.mount(
            mountPoint, context.pool(), DeviceFileSystem.DEFAULT_READER_THREADS, true);
  }

  /** The mounted file system (after {@link #start}). */
  public DeviceFileSystem fileSystem() {
    return fs;
  }

  @Override
  public void stop() throws IOException {
    fs.close();
  }
}

package org.thinpool.fuse;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.thinpool.pool.ThinPool;

/**
 * A child process for {@link StaleMountTest}: opens the pool in {@code args[0]}, mounts its device
 * files on {@code args[1]}, exposes device {@code args[2]}, says READY and waits to be killed.
 */
final class FuseChild {
  private FuseChild() {}

  public static void main(String[] args) throws Exception {
    ThinPool pool = ThinPool.open(Path.of(args[0]));
    DeviceFileSystem fs = DeviceFileSystem.mount(Path.of(args[1]), pool);
    fs.expose(Long.parseLong(args[2]));
    System.out.println("READY");
    System.out.flush();
    new CountDownLatch(1).await(); // until killed
  }
}

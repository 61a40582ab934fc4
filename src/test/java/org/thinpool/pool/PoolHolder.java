package org.thinpool.pool;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * A second process for the lock tests: opens the pool in {@code args[1]}, prints {@code open PID}
 * and then, until its stdin closes, either only holds the pool ({@code hold}) or writes, snapshots,
 * deletes and commits without a pause ({@code write}, seed {@code args[2]}), printing {@code
 * commits N} now and then. Exits 0 after closing the pool.
 */
final class PoolHolder {
  private static final CountDownLatch STDIN_CLOSED = new CountDownLatch(1);

  private PoolHolder() {}

  public static void main(String[] args) throws Exception {
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try {
                System.in.transferTo(OutputStream.nullOutputStream());
              } catch (IOException e) {
                // a broken stdin ends the run as a closed one does
              }
              STDIN_CLOSED.countDown();
            });
    Path dir = Path.of(args[1]);
    PrintStream out = System.out;
    try (ThinPool pool = ThinPool.open(dir)) {
      out.println("open " + ProcessHandle.current().pid());
      out.flush();
      if (args[0].equals("hold")) {
        STDIN_CLOSED.await();
      } else {
        write(pool, Long.parseLong(args[2]), out);
      }
    }
  }

  /** Device 1 is written; devices 100..103 are snapshots made and deleted as it goes. */
  private static void write(ThinPool pool, long seed, PrintStream out) throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    ThinDevice dev = pool.device(1);
    long blocks = dev.sizeBytes() / pool.dataBlockSizeBytes();
    byte[] buf = new byte[4096];
    for (long n = 1; STDIN_CLOSED.getCount() > 0; n++) {
      for (int i = 0; i < 8; i++) {
        rnd.nextBytes(buf);
        dev.write(rnd.nextLong(blocks) * pool.dataBlockSizeBytes(), buf);
      }
      long snap = 100 + n % 4;
      if (pool.deviceIds().contains(snap)) {
        pool.delete(snap);
      }
      pool.createSnapshot(snap, 1);
      pool.commit();
      if (n % 10 == 0) {
        out.println("commits " + n);
        out.flush();
      }
    }
  }
}

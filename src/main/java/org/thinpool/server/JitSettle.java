package org.thinpool.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Waits, after a warm-up, until the JIT has compiled what the warm-up asked for: the release runs
 * {@code serve} with an AOT cache holding a trained server's method profiles and {@code
 * -XX:+AOTCompileEagerly}, so the warm-up's calls queue the hot paths (gRPC, Netty's HTTP/2, the
 * snapshotter's calls) for compilation at once, and the compiler threads then work for about a
 * second. A socket published before that makes the first clients share the two cores with the
 * compiler and run on interpreted code; published after, they find a warm server. The process's own
 * CPU time (Linux {@code /proc/self/stat}) tells when the compiler is done: the server is idle
 * between the warm-up and the first client, so any CPU it uses is the JIT's (or the GC's).
 */
final class JitSettle {
  /** The longest start-up delay this may add, whatever the JIT does: a bound, not a target. */
  static final long MAX_WAIT_MILLIS = 3_000;

  /** One look at the CPU time; the kernel counts it in ticks of 10 ms (USER_HZ 100). */
  static final long WINDOW_MILLIS = 100;

  /** At most this much CPU in a window counts as idle: 20 % of one core. */
  static final long IDLE_CPU_MILLIS = 20;

  private static final Path STAT = Path.of("/proc/self/stat");
  private static final long MILLIS_PER_TICK = 10;

  private JitSettle() {}

  /**
   * Returns once a {@link #WINDOW_MILLIS} window used at most {@link #IDLE_CPU_MILLIS} of CPU, or
   * after {@link #MAX_WAIT_MILLIS}, or once {@code stopping} is released (the server is stopping:
   * no client will come); at once where the CPU time cannot be read. Returns how long it waited.
   */
  static long await(CountDownLatch stopping) throws InterruptedException {
    long start = System.nanoTime();
    long before = cpuMillis();
    while (before >= 0 && millisSince(start) < MAX_WAIT_MILLIS) {
      if (stopping.await(WINDOW_MILLIS, TimeUnit.MILLISECONDS)) {
        break;
      }
      long now = cpuMillis();
      if (now - before <= IDLE_CPU_MILLIS) {
        break;
      }
      before = now;
    }
    return millisSince(start);
  }

  /** User plus system CPU time of this process so far, or -1 where /proc cannot tell. */
  static long cpuMillis() {
    try {
      return parseCpuMillis(Files.readString(STAT));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * utime + stime (fields 14 and 15) of a {@code /proc/PID/stat} line, in milliseconds. The fields
   * are counted after the command name's closing parenthesis, since the name may hold spaces.
   */
  static long parseCpuMillis(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * MILLIS_PER_TICK;
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}

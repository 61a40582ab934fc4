package org.thinpool.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.thinpool.pool.PoolStatus;
import org.thinpool.pool.ThinPool;

/**
 * Grows the pool by itself, like LVM's {@code thin_pool_autoextend_threshold} / {@code
 * thin_pool_autoextend_percent}: when data (or metadata) usage reaches {@code thresholdPercent},
 * the data file (or metadata file) grows by {@code byPercent} of its size, before writes fail.
 * Checked every {@link #CHECK_INTERVAL} and at once when the pool's low-water-mark event fires.
 * Each growth is logged (the low-water event, at WARNING) and runs the optional hook command
 * through {@code /bin/sh -c} with the figures in its environment: {@code
 * THINPOOL_EVENT=autoextend}, {@code THINPOOL_POOL} (the pool's folder), {@code THINPOOL_WHAT}
 * (data or metadata), {@code THINPOOL_USED_BLOCKS}, {@code THINPOOL_TOTAL_BLOCKS} and {@code
 * THINPOOL_NEW_SIZE_BYTES} of what grew, and {@code THINPOOL_DATA_USED_PCT}, {@code
 * THINPOOL_METADATA_USED_PCT} (before growing). Loop mode only: block devices are grown by their
 * owner, so starting on a direct-mode pool fails.
 */
public final class AutoextendService implements Service {
  private static final System.Logger LOG = System.getLogger(AutoextendService.class.getName());

  /** How often usage is polled between low-water events: small next to any fill rate. */
  static final Duration CHECK_INTERVAL = Duration.ofMillis(200);

  /** A hook that has not finished by then is left running; the check goes on. */
  static final Duration HOOK_TIMEOUT = Duration.ofSeconds(30);

  private final int thresholdPercent;
  private final int byPercent;
  private final Optional<String> hook;
  private final Duration checkInterval;
  private volatile boolean stopping;
  private Thread poller;
  private ThinPool pool;

  /** Grows by {@code byPercent} (1..1000) once usage reaches {@code thresholdPercent} (1..99). */
  public AutoextendService(int thresholdPercent, int byPercent, Optional<String> hook) {
    this(thresholdPercent, byPercent, hook, CHECK_INTERVAL);
  }

  /** With {@code checkInterval} zero nothing polls: the caller drives {@link #checkOnce}. */
  AutoextendService(
      int thresholdPercent, int byPercent, Optional<String> hook, Duration checkInterval) {
    this.checkInterval = checkInterval;
    if (thresholdPercent < 1 || thresholdPercent > 99 || byPercent < 1 || byPercent > 1000) {
      throw new IllegalArgumentException(
          "autoextend wants a threshold of 1..99 percent and a"
              + " growth of 1..1000 percent, not "
              + thresholdPercent
              + " and "
              + byPercent);
    }
    this.thresholdPercent = thresholdPercent;
    this.byPercent = byPercent;
    this.hook = hook;
  }

  @Override
  public String name() {
    return "autoextend";
  }

  @Override
  public void start(ServerContext context) throws IOException {
    pool = context.pool();
    if (ThinPool.isDirect(pool.directory())) {
      throw new IllegalArgumentException(
          "--autoextend-* grows a pool's files, and pool "
              + pool.directory()
              + " is in direct mode on block devices: grow the devices with their owner (e.g."
              + " lvextend), then run thinpool grow");
    }
    if (!checkInterval.isZero()) {
      poller = Thread.ofVirtual().name("autoextend").start(this::run);
      pool.onLowWaterMark(free -> LockSupport.unpark(poller));
    }
  }

  private void run() {
    while (!stopping) {
      try {
        checkOnce();
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.WARNING, "autoextend failed: {0}", e.toString());
      }
      LockSupport.parkNanos(checkInterval.toNanos());
    }
  }

  /** One check: grows what crossed the threshold; returns what it did (for logs and tests). */
  List<String> checkOnce() throws IOException {
    PoolStatus s = pool.status();
    List<String> done = new java.util.ArrayList<>();
    if (crossed(s.dataBlocksUsed(), s.dataBlocksTotal())) {
      long total = s.dataBlocksTotal() * s.dataBlockSizeBytes();
      long bs = s.dataBlockSizeBytes();
      long next =
          total
              + Math.max(
                      1, Math.ceilDiv(total / 100 * byPercent + total % 100 * byPercent / 100, bs))
                  * bs; // whole blocks, no overflow below 2^56
      pool.growData(next);
      done.add(event(s, "data", s.dataBlocksUsed(), s.dataBlocksTotal(), total, next));
    }
    if (crossed(s.metadataBlocksUsed(), s.metadataBlocksTotal())) {
      long total = s.metadataBlocksTotal() * 4096;
      long next =
          total
              + Math.max(
                      1,
                      Math.ceilDiv(total / 100 * byPercent + total % 100 * byPercent / 100, 4096))
                  * 4096;
      pool.growMetadata(next);
      done.add(event(s, "metadata", s.metadataBlocksUsed(), s.metadataBlocksTotal(), total, next));
    }
    return done;
  }

  private boolean crossed(long used, long total) {
    return total > 0 && used * 100 >= total * thresholdPercent;
  }

  private String event(
      PoolStatus s, String what, long used, long total, long fromBytes, long toBytes) {
    String msg =
        "low water: "
            + what
            + " "
            + used
            + "/"
            + total
            + " blocks used ("
            + used * 100 / total
            + "% >= "
            + thresholdPercent
            + "%): grew the "
            + what
            + " file from "
            + fromBytes
            + " to "
            + toBytes
            + " bytes";
    LOG.log(Level.WARNING, msg);
    hook.ifPresent(cmd -> runHook(cmd, s, what, used, total, toBytes));
    return msg;
  }

  private void runHook(
      String cmd, PoolStatus s, String what, long used, long total, long newSizeBytes) {
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", cmd).inheritIO();
    pb.environment()
        .put("THINPOOL_DATA_USED_PCT", percent(s.dataBlocksUsed(), s.dataBlocksTotal()));
    pb.environment()
        .put(
            "THINPOOL_METADATA_USED_PCT", percent(s.metadataBlocksUsed(), s.metadataBlocksTotal()));
    pb.environment().put("THINPOOL_EVENT", "autoextend");
    pb.environment().put("THINPOOL_WHAT", what);
    pb.environment().put("THINPOOL_USED_BLOCKS", Long.toString(used));
    pb.environment().put("THINPOOL_TOTAL_BLOCKS", Long.toString(total));
    pb.environment().put("THINPOOL_NEW_SIZE_BYTES", Long.toString(newSizeBytes));
    pb.environment().put("THINPOOL_POOL", pool.directory().toString());
    try {
      Process p = pb.start();
      if (!p.waitFor(HOOK_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        LOG.log(Level.WARNING, "autoextend hook still running after {0}", HOOK_TIMEOUT);
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, "autoextend hook failed to start: {0}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String percent(long used, long total) {
    return Long.toString(total == 0 ? 0 : used * 100 / total);
  }

  @Override
  public void stop() {
    stopping = true;
    if (poller != null) {
      LockSupport.unpark(poller);
      try {
        poller.join(Duration.ofSeconds(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (pool != null) {
      pool.onLowWaterMark(null);
    }
  }
}

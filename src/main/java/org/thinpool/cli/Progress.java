package org.thinpool.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.thinpool.io.Terminal;

/**
 * The progress line of a long {@code import} or {@code export}, redrawn in place ({@code \r}) on
 * standard error: bytes done (of the total and a bar when the total is known), rate and ETA. Drawn
 * only when standard error is a terminal and {@code -q} is not given, so scripts, pipes and logs
 * see nothing. The clock is injected so tests can drive it.
 *
 * <pre>
 * import  25% [#####               ] 512.0 MiB / 2.0 GiB  128.0 MiB/s  ETA 0:00:12
 * import 1.5 GiB  128.0 MiB/s                        (total unknown: a pipe)
 * </pre>
 */
final class Progress {
  /** Five redraws a second: readable, and a negligible cost beside the I/O. */
  static final long REDRAW_NANOS = 200_000_000L;

  private static final int BAR_WIDTH = 20;
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

  private final PrintWriter err;
  private final LongSupplier nanoClock;
  private final String label;
  private final long totalBytes;
  private final boolean enabled;
  private final long startNanos;
  private long lastDrawNanos;
  private int lastLength;
  private boolean drawn;

  /**
   * @param totalBytes the whole length, or -1 when unknown (a stream)
   * @param enabled false for a progress that draws nothing
   */
  Progress(
      PrintWriter err, LongSupplier nanoClock, String label, long totalBytes, boolean enabled) {
    this.err = err;
    this.nanoClock = nanoClock;
    this.label = label;
    this.totalBytes = totalBytes;
    this.enabled = enabled;
    this.startNanos = enabled ? nanoClock.getAsLong() : 0;
  }

  /** The progress of a command: drawn on a terminal unless {@code quiet}. */
  static Progress of(PrintWriter err, String label, long totalBytes, boolean quiet) {
    return new Progress(
        err, System::nanoTime, label, totalBytes, !quiet && Terminal.stderrIsTerminal());
  }

  /** Reports {@code doneBytes}; redraws if the last drawing is old enough. */
  void update(long doneBytes) {
    if (!enabled) {
      return;
    }
    long now = nanoClock.getAsLong();
    if (!drawn || now - lastDrawNanos >= REDRAW_NANOS) {
      draw(doneBytes, now);
    }
  }

  /** Draws the final state and ends the line (only if anything is drawn at all). */
  void finish(long doneBytes) {
    if (!enabled) {
      return;
    }
    draw(doneBytes, nanoClock.getAsLong());
    err.println();
    err.flush();
  }

  private void draw(long doneBytes, long now) {
    String line = line(label, doneBytes, totalBytes, now - startNanos);
    // Spaces over the rest of a longer previous line, so no stale characters remain.
    err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
    err.flush();
    lastLength = line.length();
    lastDrawNanos = now;
    drawn = true;
  }

  /** One progress line; {@code totalBytes} -1 when unknown. */
  static String line(String label, long doneBytes, long totalBytes, long elapsedNanos) {
    StringBuilder b = new StringBuilder(label).append(' ');
    if (totalBytes >= 0) {
      double fraction = totalBytes == 0 ? 1 : Math.min(1, (double) doneBytes / totalBytes);
      int hashes = (int) (fraction * BAR_WIDTH);
      b.append(String.format(Locale.ROOT, "%3d%% [", (int) (fraction * 100)))
          .repeat('#', hashes)
          .repeat(' ', BAR_WIDTH - hashes)
          .append("] ");
    }
    b.append(human((double) doneBytes));
    if (totalBytes >= 0) {
      b.append(" / ").append(human((double) totalBytes));
    }
    double seconds = (double) elapsedNanos / 1e9;
    double rate = seconds > 0 ? (double) doneBytes / seconds : 0;
    b.append("  ").append(rate > 0 ? human(rate) + "/s" : "--/s");
    if (totalBytes >= 0) {
      b.append("  ETA ").append(rate > 0 ? hms((totalBytes - doneBytes) / rate) : "--:--:--");
    }
    return b.toString();
  }

  /** Bytes in powers of 1024 with one decimal: {@code 512 B}, {@code 1.5 GiB}. */
  static String human(double bytes) {
    int unit = 0;
    double n = bytes;
    while (n >= 1024 && unit < UNITS.length - 1) {
      n /= 1024;
      unit++;
    }
    return unit == 0
        ? String.format(Locale.ROOT, "%d B", (long) n)
        : String.format(Locale.ROOT, "%.1f %s", n, UNITS[unit]);
  }

  private static String hms(double seconds) {
    long s = (long) Math.ceil(Math.max(0, seconds));
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  }
}

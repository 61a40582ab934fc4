package org.thinpool.thin.xml;

import java.io.IOException;
import java.util.Arrays;
import org.thinpool.thin.RestoreSink;

/**
 * The mappings of one {@code <def>} block, kept as runs so that {@code <ref>} can replay them.
 *
 * <p>Layout: run {@code i} occupies {@code runs[4i .. 4i+3]}:
 *
 * <pre>
 * 4i+0  first origin block
 * 4i+1  first data block
 * 4i+2  length in blocks (>= 1)
 * 4i+3  time
 * </pre>
 *
 * Memory is 32 bytes per run, proportional to the size of the XML that defined it.
 */
final class MappingRuns {
  private static final int LONGS_PER_RUN = 4;

  private long[] runs = new long[LONGS_PER_RUN * 8];
  private int size;

  /** The last origin block of the last run, or -1 if there are no runs. */
  long lastOrigin() {
    return size == 0 ? -1 : runs[size - 4] + runs[size - 2] - 1;
  }

  /** The first origin block, or -1 if there are no runs. */
  long firstOrigin() {
    return size == 0 ? -1 : runs[0];
  }

  /** Appends a run; the caller has checked that it starts above {@link #lastOrigin()}. */
  void add(long originBegin, long dataBegin, long length, long time) {
    if (originBegin <= lastOrigin() || length < 1) {
      throw new AssertionError("run " + originBegin + "+" + length + " after " + lastOrigin());
    }
    if (size == runs.length) {
      runs = Arrays.copyOf(runs, runs.length * 2);
    }
    runs[size] = originBegin;
    runs[size + 1] = dataBegin;
    runs[size + 2] = length;
    runs[size + 3] = time;
    size += LONGS_PER_RUN;
  }

  /** Sends every block of every run to {@code sink}, in ascending origin order. */
  void replay(RestoreSink sink) throws IOException {
    for (int r = 0; r < size; r += LONGS_PER_RUN) {
      long origin = runs[r];
      long data = runs[r + 1];
      long length = runs[r + 2];
      long time = runs[r + 3];
      for (long i = 0; i < length; i++) {
        sink.mapping(origin + i, data + i, time);
      }
    }
  }
}

package org.thinpool.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;

/**
 * Counts the heap bytes the current thread allocates, for tests that guard allocation-free hot
 * paths by counting, not timing. Any allocation is at least 16 bytes, so an average below one byte
 * per call over many calls means no call allocated, in the interpreter or compiled.
 */
public final class Allocations {
  /** A call to measure. */
  @FunctionalInterface
  public interface Call {
    void run(int i) throws IOException;
  }

  private Allocations() {}

  /** Bytes allocated by {@code calls} runs of {@code call}, after as many runs to warm up. */
  public static long bytesAllocated(int calls, Call call) throws IOException {
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().threadId();
    for (int i = 0; i < calls; i++) {
      call.run(i);
    }
    long before = mx.getThreadAllocatedBytes(thread);
    for (int i = 0; i < calls; i++) {
      call.run(i);
    }
    return mx.getThreadAllocatedBytes(thread) - before;
  }
}

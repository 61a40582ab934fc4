package org.thinpool.nbd;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An observer that records, for each request of one command in reply order, whether a request
 * thread (a virtual thread) served it rather than the connection's reader (a platform thread).
 */
final class ServingThreads implements NbdObserver {
  private final String command;
  private final ConcurrentLinkedQueue<Boolean> virtual = new ConcurrentLinkedQueue<>();

  ServingThreads(String command) {
    this.command = command;
  }

  @Override
  public void request(String command, long bytes, long nanos, int error) {
    if (command.equals(this.command)) {
      virtual.add(Thread.currentThread().isVirtual());
    }
  }

  /** True for each request a request thread served, false for each the reader served. */
  ConcurrentLinkedQueue<Boolean> byRequestThread() {
    return virtual;
  }
}

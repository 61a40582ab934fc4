package org.thinpool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class JitSettleTest {
  @Test
  void readsUserAndSystemTimeAfterACommandNameWithSpacesAndParentheses() {
    String stat =
        "4242 (java (serve) x) S 1 4242 4242 0 -1 4194560 9000 0 0 0 123 45 0 0 20 0 30 0 77 "
            + "1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
    assertThat(JitSettle.parseCpuMillis(stat)).isEqualTo((123 + 45) * 10L);
  }

  @Test
  void theProcessCpuTimeCountsWorkDone() {
    long before = JitSettle.cpuMillis();
    assertThat(before).as("/proc/self/stat readable").isNotNegative();
    long x = 0;
    while (JitSettle.cpuMillis() - before < 50) {
      x += Long.numberOfTrailingZeros(x + 1);
    }
    assertThat(JitSettle.cpuMillis()).isGreaterThanOrEqualTo(before + 50);
  }

  @Test
  void aStoppingServerDoesNotWait() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    Thread spin = spin(stop);
    try {
      assertThat(JitSettle.await(new CountDownLatch(0))).isLessThan(JitSettle.MAX_WAIT_MILLIS);
    } finally {
      stop.set(true);
      spin.join();
    }
  }

  private static Thread spin(AtomicBoolean stop) {
    return Thread.ofPlatform()
        .start(
            () -> {
              long x = 0;
              while (!stop.get()) {
                x += Long.numberOfTrailingZeros(x + 1);
              }
            });
  }

  /** A process that never goes idle (a spinning thread) still gets its socket, after the bound. */
  @Test
  void neverWaitsLongerThanItsBound() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    Thread spin = spin(stop);
    try {
      long waited = JitSettle.await(new CountDownLatch(1));
      assertThat(waited).isLessThan(JitSettle.MAX_WAIT_MILLIS + 1_000);
    } finally {
      stop.set(true);
      spin.join();
    }
  }
}

package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.Testdata;

/**
 * Item 9g: a process writing heavily to a pool ({@link KillTestWriter}, one thread per device) is
 * killed with SIGKILL at a random moment; the pool then opens (the kernel dropped the lock, the
 * lock file naming the dead process does not matter), the real thin_check and PoolCheck are clean,
 * and every device reads exactly what the last acknowledged flush left, except in the regions the
 * generation in flight was writing, where each byte is either that or what the generation wrote
 * (see {@link KillWorkload}). Rounds follow each other on the same pool, each starting from what
 * the previous kill left.
 *
 * <p>The seed is printed; {@code -Dthinpool.kill.seed=N} replays its writes (the moment of each
 * kill is timing, not seed). The long profile ({@code -Plong}) kills many more times.
 */
class KillTest {
  private static final long DATA_BYTES = 64 * MIB;
  private static final long DEVICE_BYTES = 8 * MIB;

  /** Not a whole number of blocks, so the partial last block is written and discarded too. */
  private static final long SMALL_DEVICE_BYTES = 6 * MIB - 1536;

  private static final int ROUNDS = Testdata.longRun() ? 25 : 3;

  /** Time for the child to start, open the pool or finish a generation: generous, for CI. */
  private static final long STEP_TIMEOUT_SECONDS = 60;

  @TempDir Path tmp;

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void aKilledWriterLeavesEveryFlushedByteAndCleanMetadata() throws Exception {
    long seed = Long.getLong("thinpool.kill.seed", System.nanoTime());
    System.out.println("KillTest seed " + seed + " (replay: -Dthinpool.kill.seed=" + seed + ")");
    SplittableRandom rnd = new SplittableRandom(seed);
    Path pool = tmp.resolve("pool");
    Map<Long, byte[]> contents = setUp(pool, seed);
    for (int round = 0; round < ROUNDS; round++) {
      long roundSeed = rnd.nextLong();
      try {
        long durable = runAndKill(pool, roundSeed, rnd, round);
        contents = checkAfterKill(pool, roundSeed, durable, contents);
      } catch (Exception | AssertionError e) {
        throw new AssertionError(
            "round "
                + round
                + " of KillTest seed "
                + seed
                + " (replay: "
                + "-Dthinpool.kill.seed="
                + seed
                + "): "
                + e.getMessage(),
            e);
      }
    }
  }

  /** Device 1 with data in its middle, device 2 a snapshot of it, device 3 empty. */
  private static Map<Long, byte[]> setUp(Path pool, long seed) throws IOException {
    byte[] origin = new byte[(int) DEVICE_BYTES];
    byte[] data = bytes(seed, (int) (4 * MIB));
    System.arraycopy(data, 0, origin, (int) MIB, data.length);
    try (ThinPool p = ThinPool.create(pool, PoolOptions.ofDataSize(DATA_BYTES))) {
      p.createThin(1, DEVICE_BYTES).write(MIB, data);
      p.createSnapshot(2, 1);
      p.createThin(3, SMALL_DEVICE_BYTES);
    }
    Map<Long, byte[]> contents = new TreeMap<>();
    contents.put(1L, origin);
    contents.put(2L, origin.clone());
    contents.put(3L, new byte[(int) SMALL_DEVICE_BYTES]);
    return contents;
  }

  /**
   * Starts a writer, checks that it holds the pool's lock, waits for two to five flushes, kills it
   * at a random point of the next generation and returns the last generation it acknowledged.
   */
  private long runAndKill(Path pool, long roundSeed, SplittableRandom rnd, int round)
      throws Exception {
    Path err = tmp.resolve("writer-" + round + ".err");
    Process child =
        new ProcessBuilder(
                javaBinary(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                KillTestWriter.class.getName(),
                pool.toString(),
                Long.toString(roundSeed))
            .redirectError(err.toFile())
            .start();
    LineReader lines = new LineReader(child.getInputStream());
    long generationNanos = 0;
    try {
      assertThat(lines.next(child, err)).isEqualTo("open " + child.pid());
      assertThatThrownBy(() -> ThinPool.open(pool).close())
          .isInstanceOf(PoolStateException.class)
          .hasMessageContaining("in use by process " + child.pid());
      int acks = 2 + rnd.nextInt(4);
      long before = 0;
      for (int i = 0; i < acks; i++) {
        assertThat(lines.next(child, err)).startsWith("durable ");
        long now = System.nanoTime();
        generationNanos = now - before;
        before = now;
      }
      TimeUnit.NANOSECONDS.sleep((long) (rnd.nextDouble() * generationNanos));
      assertThat(child.isAlive())
          .as("writer alive before the kill; stderr: %s", stderr(err))
          .isTrue();
      child.destroyForcibly();
      assertThat(child.waitFor(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue())
          .as("exit status of a process killed by SIGKILL")
          .isEqualTo(128 + 9);
      // The dead writer's lock file stays, naming it; only the kernel's lock on it went away.
      assertThat(Files.readString(pool.resolve("lock"), StandardCharsets.US_ASCII).trim())
          .isEqualTo(Long.toString(child.pid()));
    } finally {
      if (child.isAlive()) {
        child.destroyForcibly();
        child.waitFor(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      }
    }
    long durable = lines.lastDurable();
    System.out.println(
        "KillTest round "
            + round
            + ": killed after generation "
            + durable
            + " (a generation took "
            + generationNanos / 1_000_000
            + " ms)");
    return durable;
  }

  /** Reopens the pool after a kill and checks every byte; returns what the devices hold now. */
  private static Map<Long, byte[]> checkAfterKill(
      Path pool, long roundSeed, long durable, Map<Long, byte[]> before) throws IOException {
    assertMetadataClean(pool);
    Map<Long, byte[]> expected = new TreeMap<>();
    before.forEach((id, c) -> expected.put(id, c.clone()));
    Map<Long, Long> sizes = new TreeMap<>();
    expected.forEach((id, c) -> sizes.put(id, (long) c.length));
    for (long gen = 1; gen <= durable; gen++) {
      for (KillWorkload.Region r : KillWorkload.generation(roundSeed, gen, sizes)) {
        System.arraycopy(r.bytes(), 0, expected.get(r.deviceId()), (int) r.offset(), r.length());
      }
    }
    List<KillWorkload.Region> inFlight = KillWorkload.generation(roundSeed, durable + 1, sizes);
    Map<Long, byte[]> now = new TreeMap<>();
    long unflushedSeen = 0;
    try (ThinPool p = ThinPool.open(pool)) {
      PoolStatus status = p.status();
      assertThat(status.mode()).isEqualTo(PoolMode.READ_WRITE);
      assertThat(status.needsCheck()).isFalse();
      assertThat(p.deviceIds()).containsExactlyElementsOf(expected.keySet());
      for (long id : expected.keySet()) {
        ThinDevice dev = p.device(id);
        assertThat(dev.sizeBytes()).isEqualTo(sizes.get(id));
        byte[] got = read(dev, 0, (int) dev.sizeBytes());
        unflushedSeen += checkDevice(id, expected.get(id), got, inFlight);
        now.put(id, got);
      }
    }
    System.out.println(
        "KillTest: after generation "
            + durable
            + ", "
            + unflushedSeen
            + " bytes of the generation in flight were there");
    return now;
  }

  /**
   * Outside the regions in flight: exactly as expected. Inside: each byte as expected or as the
   * generation in flight wrote it.
   */
  private static long checkDevice(
      long id, byte[] expected, byte[] got, List<KillWorkload.Region> inFlight) {
    byte[] masked = got.clone();
    long unflushedSeen = 0;
    for (KillWorkload.Region r : inFlight) {
      if (r.deviceId() != id) {
        continue;
      }
      byte[] written = r.bytes();
      for (int i = 0; i < r.length(); i++) {
        int at = (int) r.offset() + i;
        if (got[at] != expected[at] && got[at] != written[i]) {
          throw new AssertionError(
              "device "
                  + id
                  + " byte "
                  + at
                  + " (in a region the "
                  + "generation in flight was writing: "
                  + r
                  + ") reads "
                  + got[at]
                  + ", neither the flushed "
                  + expected[at]
                  + " nor the unflushed "
                  + written[i]);
        }
        unflushedSeen += got[at] != expected[at] ? 1 : 0;
        masked[at] = expected[at];
      }
    }
    int at = Arrays.mismatch(expected, masked);
    if (at >= 0) {
      throw new AssertionError(
          "device "
              + id
              + " byte "
              + at
              + " (block "
              + at / (64 * 1024)
              + ") reads "
              + masked[at]
              + ", flushed before the kill as "
              + expected[at]);
    }
    return unflushedSeen;
  }

  private static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private static String stderr(Path err) {
    try {
      return Files.readString(err, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** The child's stdout, line by line, on a thread of its own; a line without '\n' is dropped. */
  private static final class LineReader {
    private static final String EOF = "";
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final List<String> all = new ArrayList<>();
    private final Thread thread;

    LineReader(InputStream in) {
      thread = Thread.ofPlatform().daemon().name("kill-test-stdout").start(() -> pump(in));
    }

    private void pump(InputStream in) {
      StringBuilder line = new StringBuilder();
      try (in) {
        int c;
        while ((c = in.read()) >= 0) {
          if (c == '\n') {
            String s = line.toString();
            synchronized (all) {
              all.add(s);
            }
            queue.add(s);
            line.setLength(0);
          } else {
            line.append((char) c);
          }
        }
      } catch (IOException e) {
        // The pipe broke with the child: what was read is all there is.
      } finally {
        queue.add(EOF);
      }
    }

    /** The next line; fails if the child ends or stalls first. */
    String next(Process child, Path err) throws InterruptedException {
      String s = queue.poll(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (s == null || s.equals(EOF)) {
        throw new AssertionError(
            "the writer "
                + (s == null ? "stalled" : "ended")
                + " (alive: "
                + child.isAlive()
                + "); stderr: "
                + stderr(err));
      }
      return s;
    }

    /** After the child is gone: the last generation it acknowledged, 0 if none. */
    long lastDurable() throws InterruptedException {
      thread.join(TimeUnit.SECONDS.toMillis(STEP_TIMEOUT_SECONDS));
      long last = 0;
      synchronized (all) {
        for (String s : all) {
          if (s.startsWith("durable ")) {
            last = Math.max(last, Long.parseLong(s.substring("durable ".length())));
          }
        }
      }
      return last;
    }
  }
}

package org.thinpool.pool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The process {@link KillTest} kills: opens the pool in {@code args[0]} and writes the generations
 * of {@link KillWorkload} with seed {@code args[1]} until it is killed, one thread per device,
 * flushing after each generation and then printing {@code durable G}. It prints {@code open PID}
 * once it holds the pool.
 */
final class KillTestWriter {
  private KillTestWriter() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    PrintStream out = System.out;
    try (ThinPool pool = ThinPool.open(dir)) {
      Map<Long, Long> sizes = new TreeMap<>();
      for (long id : pool.deviceIds()) {
        sizes.put(id, pool.device(id).sizeBytes());
      }
      ExecutorService writers = Executors.newFixedThreadPool(sizes.size());
      out.println("open " + ProcessHandle.current().pid());
      out.flush();
      for (long gen = 1; ; gen++) {
        writeGeneration(pool, writers, KillWorkload.generation(seed, gen, sizes));
        pool.device(sizes.keySet().iterator().next()).flush();
        out.println("durable " + gen);
        out.flush();
      }
    }
  }

  /** The regions of each device in order, the devices concurrently. */
  private static void writeGeneration(
      ThinPool pool, ExecutorService writers, List<KillWorkload.Region> regions)
      throws IOException, InterruptedException {
    Map<Long, List<KillWorkload.Region>> byDevice = new TreeMap<>();
    for (KillWorkload.Region r : regions) {
      byDevice.computeIfAbsent(r.deviceId(), k -> new ArrayList<>()).add(r);
    }
    List<Future<?>> done = new ArrayList<>();
    for (Map.Entry<Long, List<KillWorkload.Region>> e : byDevice.entrySet()) {
      ThinDevice dev = pool.device(e.getKey());
      done.add(
          writers.submit(
              () -> {
                for (KillWorkload.Region r : e.getValue()) {
                  r.applyTo(dev);
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      try {
        f.get();
      } catch (ExecutionException x) {
        throw new IOException("a writer failed", x.getCause());
      }
    }
  }
}

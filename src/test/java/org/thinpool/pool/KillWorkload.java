package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The writes of {@link KillTest}, derived from a seed and a generation number alone, so that the
 * process that dies and the one that checks agree on every byte.
 *
 * <p>A generation is {@value #REGIONS_PER_GENERATION} operations (writes at any offset and length,
 * write-zeroes, whole-block discards) on regions that do not overlap within the generation, then a
 * flush. So after a kill, a byte outside the regions of the generation in flight holds exactly what
 * the last acknowledged generation left, and a byte inside them holds either that or what the
 * generation in flight wrote there.
 */
final class KillWorkload {
  static final int BLOCK_BYTES = 64 * 1024;
  static final int REGIONS_PER_GENERATION = 48;

  /** Tries to place a region before giving up on it (the device is crowded). */
  private static final int PLACEMENT_TRIES = 8;

  enum Kind {
    WRITE,
    WRITE_ZEROES,
    DISCARD
  }

  /** One operation: {@code data} seeds the bytes of a write. */
  record Region(long deviceId, long offset, int length, Kind kind, long data) {
    byte[] bytes() {
      byte[] b = new byte[length];
      if (kind == Kind.WRITE) {
        new Random(data).nextBytes(b);
      }
      return b;
    }

    void applyTo(ThinDevice dev) throws IOException {
      switch (kind) {
        case WRITE -> dev.write(offset, ByteBuffer.wrap(bytes()));
        case WRITE_ZEROES -> dev.writeZeroes(offset, length);
        case DISCARD -> dev.discard(offset, length);
      }
    }
  }

  private KillWorkload() {}

  /** The operations of generation {@code gen} (from 1) on devices of the given sizes. */
  static List<Region> generation(long seed, long gen, Map<Long, Long> sizes) {
    SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + gen);
    List<Long> ids = new ArrayList<>(sizes.keySet());
    Map<Long, TreeMap<Long, Long>> taken = new TreeMap<>();
    List<Region> out = new ArrayList<>();
    for (int i = 0; i < REGIONS_PER_GENERATION; i++) {
      long id = ids.get(rnd.nextInt(ids.size()));
      TreeMap<Long, Long> busy = taken.computeIfAbsent(id, k -> new TreeMap<>());
      for (int t = 0; t < PLACEMENT_TRIES; t++) {
        Region r = region(rnd, id, sizes.get(id));
        if (r.length > 0 && isFree(busy, r.offset, r.offset + r.length)) {
          busy.put(r.offset, r.offset + r.length);
          out.add(r);
          break;
        }
      }
    }
    return out;
  }

  private static Region region(SplittableRandom rnd, long id, long size) {
    int pick = rnd.nextInt(100);
    long blocks = size / BLOCK_BYTES;
    if (pick < 10) {
      long first = rnd.nextLong(blocks);
      long n = 1 + rnd.nextLong(Math.min(8, blocks - first));
      return new Region(id, first * BLOCK_BYTES, (int) (n * BLOCK_BYTES), Kind.DISCARD, 0);
    }
    int length = pick < 70 ? 1 + rnd.nextInt(BLOCK_BYTES) : 1 + rnd.nextInt(8 * BLOCK_BYTES);
    long offset = rnd.nextLong(size - length + 1);
    Kind kind = pick < 20 ? Kind.WRITE_ZEROES : Kind.WRITE;
    return new Region(id, offset, length, kind, rnd.nextLong());
  }

  private static boolean isFree(TreeMap<Long, Long> busy, long from, long to) {
    Map.Entry<Long, Long> before = busy.floorEntry(from);
    if (before != null && before.getValue() > from) {
      return false;
    }
    Long next = busy.ceilingKey(from);
    return next == null || next >= to;
  }
}

package org.thinpool.meta.tx;

import java.util.Arrays;

/**
 * The open-addressing slot array shared by {@link LongHashSet} and {@link LongLongHashMap}:
 * non-negative long keys, {@link #EMPTY} marks a free slot, a power-of-two capacity kept at most
 * half full, linear probing from a Fibonacci hash.
 */
final class LongSlots {
  static final long EMPTY = -1;
  static final int INITIAL_CAPACITY = 64;

  private LongSlots() {}

  static long[] newSlots(int capacity) {
    long[] s = new long[capacity];
    Arrays.fill(s, EMPTY);
    return s;
  }

  /** The first slot to probe for {@code key}; {@code mask} is capacity - 1. */
  static int hash(long key, int mask) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  /** The slot holding {@code key}, or the free slot where the probe for it ends (negated - 1). */
  static int find(long[] slots, long key) {
    int mask = slots.length - 1;
    for (int i = hash(key, mask); ; i = (i + 1) & mask) {
      if (slots[i] == key) {
        return i;
      }
      if (slots[i] == EMPTY) {
        return -i - 1;
      }
    }
  }

  /** True if one more key would make the table more than half full. */
  static boolean mustGrow(long[] slots, int size) {
    return (size + 1) * 2 > slots.length;
  }

  static void checkKey(long key) {
    if (key < 0) {
      throw new AssertionError("negative key " + key);
    }
  }

  /** The {@code size} keys held, in no particular order. */
  static long[] keys(long[] slots, int size) {
    long[] out = new long[size];
    int n = 0;
    for (long s : slots) {
      if (s != EMPTY) {
        out[n++] = s;
      }
    }
    return out;
  }
}

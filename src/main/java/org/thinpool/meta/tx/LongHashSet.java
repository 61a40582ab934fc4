package org.thinpool.meta.tx;

import java.util.Arrays;

/** An open-addressing set of non-negative longs (block numbers), without boxing. */
public final class LongHashSet {
  private static final long EMPTY = -1;
  private long[] slots = newSlots(64);
  private int size;

  private static long[] newSlots(int n) {
    long[] s = new long[n];
    Arrays.fill(s, EMPTY);
    return s;
  }

  private static int hash(long v, int mask) {
    long h = v * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  public boolean add(long v) {
    if (v < 0) {
      throw new AssertionError("negative key " + v);
    }
    if ((size + 1) * 2 > slots.length) {
      grow();
    }
    int mask = slots.length - 1;
    for (int i = hash(v, mask); ; i = (i + 1) & mask) {
      if (slots[i] == v) {
        return false;
      }
      if (slots[i] == EMPTY) {
        slots[i] = v;
        size++;
        return true;
      }
    }
  }

  public boolean contains(long v) {
    int mask = slots.length - 1;
    for (int i = hash(v, mask); ; i = (i + 1) & mask) {
      if (slots[i] == v) {
        return true;
      }
      if (slots[i] == EMPTY) {
        return false;
      }
    }
  }

  public int size() {
    return size;
  }

  public void clear() {
    if (size > 0) {
      slots = newSlots(64);
      size = 0;
    }
  }

  /** The elements, in no particular order. */
  public long[] toArray() {
    long[] out = new long[size];
    int n = 0;
    for (long s : slots) {
      if (s != EMPTY) {
        out[n++] = s;
      }
    }
    return out;
  }

  private void grow() {
    long[] old = slots;
    slots = newSlots(old.length * 2);
    size = 0;
    for (long s : old) {
      if (s != EMPTY) {
        add(s);
      }
    }
  }
}

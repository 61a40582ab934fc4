package org.thinpool.pool;

import java.util.Arrays;

/** A growable list of longs (data block numbers), without boxing. Not thread-safe. */
final class LongList {
  private long[] values = new long[16];
  private int size;

  void add(long v) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = v;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The values in the order added; the list is left empty. */
  long[] drain() {
    long[] a = Arrays.copyOf(values, size);
    size = 0;
    return a;
  }

  /** The values sorted ascending, duplicates removed; the list is left empty. */
  long[] drainSortedUnique() {
    long[] a = Arrays.copyOf(values, size);
    size = 0;
    Arrays.sort(a);
    int n = 0;
    for (int i = 0; i < a.length; i++) {
      if (n == 0 || a[i] != a[n - 1]) {
        a[n++] = a[i];
      }
    }
    return Arrays.copyOf(a, n);
  }
}

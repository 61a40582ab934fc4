package org.thinpool.meta.tx;

import java.util.Arrays;

/**
 * Open-addressing map from non-negative long to long, without boxing: overflow ref counts,
 * device-tree roots by thin id.
 */
public final class LongLongHashMap {
  private static final long EMPTY = -1;
  private long[] keys = newKeys(64);
  private long[] values = new long[64];
  private int size;

  private static long[] newKeys(int n) {
    long[] k = new long[n];
    Arrays.fill(k, EMPTY);
    return k;
  }

  private static int hash(long v, int mask) {
    long h = v * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  public long get(long key, long absent) {
    int mask = keys.length - 1;
    for (int i = hash(key, mask); ; i = (i + 1) & mask) {
      if (keys[i] == key) {
        return values[i];
      }
      if (keys[i] == EMPTY) {
        return absent;
      }
    }
  }

  public void put(long key, long value) {
    if (key < 0) {
      throw new AssertionError("negative key " + key);
    }
    if ((size + 1) * 2 > keys.length) {
      rehash(keys.length * 2);
    }
    int mask = keys.length - 1;
    for (int i = hash(key, mask); ; i = (i + 1) & mask) {
      if (keys[i] == key) {
        values[i] = value;
        return;
      }
      if (keys[i] == EMPTY) {
        keys[i] = key;
        values[i] = value;
        size++;
        return;
      }
    }
  }

  public void remove(long key) {
    int mask = keys.length - 1;
    int i = hash(key, mask);
    while (keys[i] != key) {
      if (keys[i] == EMPTY) {
        return;
      }
      i = (i + 1) & mask;
    }
    keys[i] = EMPTY;
    size--;
    // Re-insert the rest of the cluster so lookups never stop early.
    for (int j = (i + 1) & mask; keys[j] != EMPTY; j = (j + 1) & mask) {
      long k = keys[j];
      long v = values[j];
      keys[j] = EMPTY;
      size--;
      put(k, v);
    }
  }

  public int size() {
    return size;
  }

  public void clear() {
    Arrays.fill(keys, EMPTY);
    size = 0;
  }

  /** The keys, in no particular order. */
  public long[] keys() {
    long[] out = new long[size];
    int n = 0;
    for (long k : keys) {
      if (k != EMPTY) {
        out[n++] = k;
      }
    }
    return out;
  }

  private void rehash(int capacity) {
    long[] oldKeys = keys;
    long[] oldValues = values;
    keys = newKeys(capacity);
    values = new long[capacity];
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != EMPTY) {
        put(oldKeys[i], oldValues[i]);
      }
    }
  }
}

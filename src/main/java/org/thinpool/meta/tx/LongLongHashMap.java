package org.thinpool.meta.tx;

import java.util.Arrays;

/**
 * Open-addressing map from non-negative long to long, without boxing: overflow ref counts,
 * device-tree roots by thin id.
 */
public final class LongLongHashMap {
  private long[] keys = LongSlots.newSlots(LongSlots.INITIAL_CAPACITY);
  private long[] values = new long[LongSlots.INITIAL_CAPACITY];
  private int size;

  public long get(long key, long absent) {
    int i = LongSlots.find(keys, key);
    return i >= 0 ? values[i] : absent;
  }

  public void put(long key, long value) {
    LongSlots.checkKey(key);
    if (LongSlots.mustGrow(keys, size)) {
      rehash(keys.length * 2);
    }
    int i = LongSlots.find(keys, key);
    if (i < 0) {
      i = -i - 1;
      keys[i] = key;
      size++;
    }
    values[i] = value;
  }

  public void remove(long key) {
    int i = LongSlots.find(keys, key);
    if (i < 0) {
      return;
    }
    int mask = keys.length - 1;
    keys[i] = LongSlots.EMPTY;
    size--;
    // Re-insert the rest of the cluster so lookups never stop early.
    for (int j = (i + 1) & mask; keys[j] != LongSlots.EMPTY; j = (j + 1) & mask) {
      long k = keys[j];
      long v = values[j];
      keys[j] = LongSlots.EMPTY;
      size--;
      put(k, v);
    }
  }

  public int size() {
    return size;
  }

  public void clear() {
    Arrays.fill(keys, LongSlots.EMPTY);
    size = 0;
  }

  /** The keys, in no particular order. */
  public long[] keys() {
    return LongSlots.keys(keys, size);
  }

  private void rehash(int capacity) {
    long[] oldKeys = keys;
    long[] oldValues = values;
    keys = LongSlots.newSlots(capacity);
    values = new long[capacity];
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != LongSlots.EMPTY) {
        put(oldKeys[i], oldValues[i]);
      }
    }
  }
}

package org.thinpool.thin;

import java.util.Arrays;

/**
 * A cache of each thin device's mapping-tree root, as the top-level tree holds it now, so a
 * lookup descends only the device's own tree. Open addressing on device ids (24 bits), no boxing.
 *
 * <p>Contract: {@link ThinMetadata} keeps it equal to the top-level tree for every id it holds:
 * it updates the entry whenever that device's root changes and forgets entries (or everything)
 * on snapshot, delete, abort and reload; a missing entry is looked up in the tree again.
 */
final class DeviceRoots {
  /** Returned by {@link #get} for an id without an entry. */
  static final long ABSENT = -1;

  private static final long EMPTY = -1;

  /** Enough for many devices without rehashing; 16 KiB. */
  private static final int INITIAL_SLOTS = 1024;

  private long[] ids = newIds(INITIAL_SLOTS);
  private long[] roots = new long[INITIAL_SLOTS];
  private int size;

  private static long[] newIds(int n) {
    long[] k = new long[n];
    Arrays.fill(k, EMPTY);
    return k;
  }

  private static int slot(long id, int mask) {
    long h = id * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  /** The cached root of device {@code id}, or {@link #ABSENT}. */
  long get(long id) {
    long[] k = ids;
    int mask = k.length - 1;
    for (int i = slot(id, mask); ; i = (i + 1) & mask) {
      if (k[i] == id) {
        return roots[i];
      }
      if (k[i] == EMPTY) {
        return ABSENT;
      }
    }
  }

  void put(long id, long root) {
    if (id < 0 || root < 0) {
      throw new AssertionError("device root cache: id " + id + ", root " + root);
    }
    if ((size + 1) * 2 > ids.length) {
      rehash(ids.length * 2);
    }
    int mask = ids.length - 1;
    for (int i = slot(id, mask); ; i = (i + 1) & mask) {
      if (ids[i] == id) {
        roots[i] = root;
        return;
      }
      if (ids[i] == EMPTY) {
        ids[i] = id;
        roots[i] = root;
        size++;
        return;
      }
    }
  }

  /** Forgets one device (rebuilt without it: deletes are rare, so no tombstones). */
  void remove(long id) {
    if (get(id) == ABSENT) {
      return;
    }
    long[] oldIds = ids;
    long[] oldRoots = roots;
    ids = newIds(oldIds.length);
    roots = new long[oldIds.length];
    size = 0;
    for (int i = 0; i < oldIds.length; i++) {
      if (oldIds[i] != EMPTY && oldIds[i] != id) {
        put(oldIds[i], oldRoots[i]);
      }
    }
  }

  void clear() {
    Arrays.fill(ids, EMPTY);
    size = 0;
  }

  int size() {
    return size;
  }

  /** Every cached (id, root) pair, for checks. */
  long[][] entries() {
    long[][] out = new long[size][];
    int n = 0;
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] != EMPTY) {
        out[n++] = new long[] {ids[i], roots[i]};
      }
    }
    return out;
  }

  private void rehash(int slots) {
    long[] oldIds = ids;
    long[] oldRoots = roots;
    ids = newIds(slots);
    roots = new long[slots];
    size = 0;
    for (int i = 0; i < oldIds.length; i++) {
      if (oldIds[i] != EMPTY) {
        put(oldIds[i], oldRoots[i]);
      }
    }
  }
}

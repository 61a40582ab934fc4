package org.thinpool.meta.tx;

/** An open-addressing set of non-negative longs (block numbers), without boxing. */
public final class LongHashSet {
  private long[] slots = LongSlots.newSlots(LongSlots.INITIAL_CAPACITY);
  private int size;

  public boolean add(long v) {
    LongSlots.checkKey(v);
    if (LongSlots.mustGrow(slots, size)) {
      grow();
    }
    int i = LongSlots.find(slots, v);
    if (i >= 0) {
      return false;
    }
    slots[-i - 1] = v;
    size++;
    return true;
  }

  public boolean contains(long v) {
    return LongSlots.find(slots, v) >= 0;
  }

  public int size() {
    return size;
  }

  public void clear() {
    if (size > 0) {
      slots = LongSlots.newSlots(LongSlots.INITIAL_CAPACITY);
      size = 0;
    }
  }

  /** The elements, in no particular order. */
  public long[] toArray() {
    return LongSlots.keys(slots, size);
  }

  private void grow() {
    long[] old = slots;
    slots = LongSlots.newSlots(old.length * 2);
    size = 0;
    for (long s : old) {
      if (s != LongSlots.EMPTY) {
        add(s);
      }
    }
  }
}

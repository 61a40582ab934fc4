package org.thinpool.meta.btree;

import java.util.HashMap;
import java.util.Map;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/**
 * Test values of 4, 8, 16 or 24 bytes that stand for data blocks: each value is a number, and the
 * tree's inc/dec calls are counted per number like the data space map counts data blocks (spec
 * 7.2). Bytes beyond the first 8 carry a pattern derived from the number, so a value that is moved
 * or copied incompletely is caught on decode.
 */
final class CountedValueType implements ValueType<Long> {
  private final int sizeBytes;
  private final int shift;

  /** Live references per value, as the tree reported them; values with none are absent. */
  final Map<Long, Long> refs = new HashMap<>();

  private long nextValue = 1;

  CountedValueType(int sizeBytes) {
    this(sizeBytes, 0);
  }

  /**
   * Values are {@code n << shift} for n = 1, 2, ...; with a shift of 24 they are dm-thin block_time
   * values naming data block n at time 0.
   */
  CountedValueType(int sizeBytes, int shift) {
    if (sizeBytes != 4 && sizeBytes % 8 != 0) {
      throw new IllegalArgumentException("size " + sizeBytes);
    }
    this.sizeBytes = sizeBytes;
    this.shift = shift;
  }

  /** A new value holding one reference, like a freshly allocated data block. */
  long fresh() {
    long v = nextValue++ << shift;
    refs.put(v, 1L);
    return v;
  }

  static long pattern(long v, int word) {
    return ~v * 31 + word;
  }

  @Override
  public int sizeBytes() {
    return sizeBytes;
  }

  @Override
  public Long decode(ReadBlock node, int offset) {
    if (sizeBytes == 4) {
      return node.u32(offset);
    }
    long v = node.u64(offset);
    for (int w = 1; w < sizeBytes / 8; w++) {
      if (node.u64(offset + 8 * w) != pattern(v, w)) {
        throw new AssertionError("value " + v + " mangled in node " + node.blockNr());
      }
    }
    return v;
  }

  @Override
  public void encode(WriteBlock node, int offset, Long value) {
    if (sizeBytes == 4) {
      node.putU32(offset, value);
      return;
    }
    node.putU64(offset, value);
    for (int w = 1; w < sizeBytes / 8; w++) {
      node.putU64(offset + 8 * w, pattern(value, w));
    }
  }

  @Override
  public void inc(Long v) {
    if (!refs.containsKey(v)) {
      throw new AssertionError("inc of value " + v + " that nobody references");
    }
    refs.merge(v, 1L, Long::sum);
  }

  @Override
  public void dec(Long v) {
    Long c = refs.get(v);
    if (c == null) {
      throw new AssertionError("dec of value " + v + " that nobody references");
    }
    if (c == 1) {
      refs.remove(v);
    } else {
      refs.put(v, c - 1);
    }
  }
}

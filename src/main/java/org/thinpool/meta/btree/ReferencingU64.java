package org.thinpool.meta.btree;

import java.io.IOException;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/**
 * u64 values that hold a reference to something (a data block, a subtree root). What a reference
 * means is given as two actions; two values name the same thing when they are equal after dropping
 * their low {@code identityShift} bits (a block_time's 24 time bits).
 */
final class ReferencingU64 implements ValueType<Long> {
  private final ValueTypes.RefAction inc;
  private final ValueTypes.RefAction dec;
  private final int identityShift;

  ReferencingU64(ValueTypes.RefAction inc, ValueTypes.RefAction dec, int identityShift) {
    if (identityShift < 0 || identityShift > 63) {
      throw new IllegalArgumentException("identity shift " + identityShift);
    }
    this.inc = inc;
    this.dec = dec;
    this.identityShift = identityShift;
  }

  @Override
  public int sizeBytes() {
    return 8;
  }

  @Override
  public Long decode(ReadBlock node, int offset) {
    return node.u64(offset);
  }

  @Override
  public void encode(WriteBlock node, int offset, Long value) {
    node.putU64(offset, value);
  }

  @Override
  public void inc(Long v) throws IOException {
    inc.apply(v);
  }

  @Override
  public void dec(Long v) throws IOException {
    dec.apply(v);
  }

  @Override
  public boolean sameValue(Long a, Long b) {
    return (a >>> identityShift) == (b >>> identityShift);
  }
}

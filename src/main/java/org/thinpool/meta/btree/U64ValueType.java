package org.thinpool.meta.btree;

import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/** Little-endian u64 values that reference nothing. */
final class U64ValueType implements ValueType<Long> {
  static final U64ValueType INSTANCE = new U64ValueType();

  private U64ValueType() {}

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
}

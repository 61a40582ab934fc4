package org.thinpool.meta.btree;

import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/** Little-endian u32 values that reference nothing. */
final class U32ValueType implements ValueType<Long> {
  static final U32ValueType INSTANCE = new U32ValueType();

  private U32ValueType() {}

  @Override
  public int sizeBytes() {
    return 4;
  }

  @Override
  public Long decode(ReadBlock node, int offset) {
    return node.u32(offset);
  }

  @Override
  public void encode(WriteBlock node, int offset, Long value) {
    node.putU32(offset, value);
  }
}

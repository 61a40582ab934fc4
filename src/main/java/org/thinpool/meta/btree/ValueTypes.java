package org.thinpool.meta.btree;

/** Value types without references, shared by several trees. */
public final class ValueTypes {
  private ValueTypes() {}

  /** Plain u64 values (8 bytes) that reference nothing. */
  public static ValueType<Long> u64() {
    return U64ValueType.INSTANCE;
  }

  /**
   * Plain u32 values (4 bytes) that reference nothing, e.g. the ref counts of the overflow trees.
   * Encoding a value outside 0 .. 2^32-1 is an {@link AssertionError}.
   */
  public static ValueType<Long> u32() {
    return U32ValueType.INSTANCE;
  }
}

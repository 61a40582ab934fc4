package org.thinpool.meta.btree;

/** Value types without references, shared by several trees. */
public final class ValueTypes {
  private static final ValueType<Long> PLAIN_U64 =
      new ReferencingU64(RefAction.NONE, RefAction.NONE, 0);

  private ValueTypes() {}

  /** Plain u64 values (8 bytes) that reference nothing. */
  public static ValueType<Long> u64() {
    return PLAIN_U64;
  }

  /**
   * Plain u32 values (4 bytes) that reference nothing, e.g. the ref counts of the overflow trees.
   * Encoding a value outside 0 .. 2^32-1 is an {@link AssertionError}.
   */
  public static ValueType<Long> u32() {
    return U32ValueType.INSTANCE;
  }

  /** What holding (inc) or dropping (dec) one reference named by a value means. */
  @FunctionalInterface
  public interface RefAction {
    void apply(long value) throws java.io.IOException;

    /** A value that references nothing. */
    RefAction NONE = v -> {};
  }

  /**
   * u64 values that each hold one reference: {@code inc} when a shared leaf holding the value is
   * copied, {@code dec} when the value is overwritten by one naming something else, removed, or its
   * tree deleted. Values name the same thing when equal after {@code >>> identityShift}.
   */
  public static ValueType<Long> u64(RefAction inc, RefAction dec, int identityShift) {
    return new ReferencingU64(inc, dec, identityShift);
  }
}

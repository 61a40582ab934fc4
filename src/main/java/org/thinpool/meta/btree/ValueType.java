package org.thinpool.meta.btree;

import java.io.IOException;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/**
 * The values of one kind of tree: their fixed size, their codec, and what a value references (the
 * kernel's {@code dm_btree_value_type}).
 *
 * <p>Reference contract: a leaf entry holds one reference to whatever its value points at (a data
 * block, a subtree root) or nothing. The tree calls {@link #inc} when a shared leaf is copied
 * (every value of the copy is a new reference) and {@link #dec} when an entry's reference is
 * dropped: its value is overwritten by a different one, it is removed, or its leaf is deleted.
 * Moving entries between unshared nodes (splits, merges) changes no reference. A new value given to
 * {@link BTree#insert} brings its own reference, which the tree takes over.
 *
 * <p>Implementations must not modify the tree being operated on from inside {@code inc} or {@code
 * dec}; they may modify other trees (dropping a subtree, for instance).
 */
public interface ValueType<V> {
  /** Bytes per value in a leaf: 4, 8, 16 or 24 for dm-thin's trees. */
  int sizeBytes();

  /** Reads the value stored at {@code offset} of a leaf; never null (null means absent). */
  V decode(ReadBlock node, int offset);

  /** Writes exactly {@link #sizeBytes} bytes at {@code offset} of a leaf. */
  void encode(WriteBlock node, int offset, V value);

  /**
   * A new reference to whatever {@code v} points at now exists (called for every value of a shared
   * leaf that gets copied, the kernel's inc_children).
   */
  default void inc(V v) throws IOException {}

  /**
   * A reference held by {@code v} was dropped (value overwritten by a different one, removed, or
   * its leaf deleted).
   */
  default void dec(V v) throws IOException {}

  /**
   * True if overwriting {@code a} with {@code b} keeps the same reference, so that {@link #dec}
   * must not be called for {@code a}.
   */
  default boolean sameValue(V a, V b) {
    return a.equals(b);
  }
}

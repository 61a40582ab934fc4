package org.thinpool.meta.btree;

import java.io.IOException;
import org.thinpool.meta.block.WriteBlock;
import org.thinpool.meta.tx.TransactionManager;

/**
 * The operations on one kind of copy-on-write b-tree (the kernel's persistent-data btree), keyed by
 * unsigned 64-bit keys, with values of a {@link ValueType}. A tree is named by its root block
 * number; this object holds no per-tree state, so one instance serves every tree of its kind (all
 * device trees, for example).
 *
 * <p>Contracts:
 *
 * <ul>
 *   <li>Every update shadows the whole path from the root ({@link TransactionManager#shadow}), so
 *       the committed state is never written and trees may share nodes (snapshots); the root may
 *       move, and the caller stores the returned root.
 *   <li>After any update every node except the root holds at least a third of its capacity, keys
 *       are strictly ascending, internal keys bound their children, and all leaves are at the same
 *       depth (spec 3.3), i.e. what thin_check demands.
 *   <li>Metadata reference counts follow spec 7.1, and the value type is told about every value
 *       reference that appears or disappears (spec 7.2 for data blocks).
 *   <li>Nodes are checked when read; a node that does not fit where it was found raises {@link
 *       org.thinpool.io.MetadataCorruptException} naming the block. After any {@link IOException}
 *       from an update the transaction must be aborted.
 *   <li>Not thread-safe: one writer per transaction manager.
 * </ul>
 */
public final class BTree<V> {
  /**
   * Limit on the number of levels, root and leaves included. A tree of depth {@code d} holds at
   * least {@code 2 * 84^(d-2) * 42} keys (a root with 2 children, internal nodes and leaves at
   * least a third full, 42 entries being the smallest leaf minimum), which exceeds the 2^64
   * possible keys from d = 12 on: a valid tree has at most 11 levels, so a deeper path means a
   * cycle or corruption. Walks size their explicit stacks with it.
   */
  public static final int MAX_DEPTH = 12;

  private final NodeIo<V> io;
  private final TreeReader<V> reader;
  private final Inserter<V> inserter;
  private final Remover<V> remover;
  private final Deleter<V> deleter;

  public BTree(TransactionManager tm, ValueType<V> type) {
    this.io = new NodeIo<>(tm, type);
    this.reader = new TreeReader<>(io);
    this.inserter = new Inserter<>(io);
    this.remover = new Remover<>(io, reader);
    this.deleter = new Deleter<>(io);
  }

  public ValueType<V> valueType() {
    return io.type;
  }

  /** Creates an empty tree (a single empty leaf) and returns its root. */
  public long createEmpty() throws IOException {
    try (WriteBlock leaf = io.newNode(BTreeNode.FLAG_LEAF)) {
      return leaf.blockNr();
    }
  }

  /** The value of {@code key}, or null if the tree does not hold it. */
  public V lookup(long root, long key) throws IOException {
    return reader.lookup(root, key);
  }

  /**
   * The raw value of {@code key} in a tree of u64 values, or {@code absent}: the lookup that
   * allocates nothing (no boxing, no per-level objects), for the mapped read path.
   */
  public long lookupU64(long root, long key, long absent) throws IOException {
    return reader.lookupU64(root, key, absent);
  }

  /**
   * Stores {@code key -> value}; the tree takes over the reference {@code value} holds. If the key
   * existed, its old value is overwritten and dec'd unless {@link ValueType#sameValue}. Returns the
   * new root, and whether the key is new.
   */
  public InsertResult insert(long root, long key, V value) throws IOException {
    return inserter.insert(root, key, value);
  }

  /**
   * Replaces the u64 value of {@code key}, which the tree must hold (absent: {@link
   * AssertionError}), with {@code edit.apply(old)} in one pass: the path is shadowed once and the
   * edit runs while the leaf is held (the kernel's btree_get_overwrite_leaf). No reference action
   * of the value type runs for the old or the new value: the edit takes over the old value's
   * reference and the new value brings its own (a subtree root moved by shadowing the subtree). The
   * edit must not change this tree. Returns the new root.
   */
  public long overwriteU64(long root, long key, ValueEdit edit) throws IOException {
    return Overwriter.overwrite(io, root, key, edit);
  }

  /**
   * Nodes of this kind of tree shadowed for writing since it was made, a count for tests that guard
   * the cost of updates (every update shadows each node on its path once).
   */
  public long nodesShadowed() {
    return io.nodesShadowed;
  }

  /**
   * Removes {@code key} and dec's its value. If the key is absent the tree is not touched and the
   * same root is returned with {@code removed() == false}.
   */
  public RemoveResult remove(long root, long key) throws IOException {
    return remover.remove(root, key);
  }

  /**
   * Removes every key {@code k} with {@code beginKey <= k < endKey} (unsigned), dec'ing each
   * removed value. Returns the new root and the number of entries removed; with none in range the
   * tree is not touched.
   */
  public RangeRemoval removeRange(long root, long beginKey, long endKey) throws IOException {
    return remover.removeRange(root, beginKey, endKey);
  }

  /**
   * Visits the entries with {@code beginKey <= key < endKey} (unsigned) in ascending key order,
   * until the visitor returns false. The visitor may read this or other trees, but must not modify
   * this one while visiting it.
   */
  public void visit(long root, long beginKey, long endKey, EntryVisitor<V> visitor)
      throws IOException {
    reader.visit(root, beginKey, endKey, visitor);
  }

  /** An entry of a walk and whether it is reachable from another tree too. */
  @FunctionalInterface
  public interface SharingVisitor<V> {
    /** Returns false to stop the visit after this entry. */
    boolean visit(long key, V value, boolean pathShared) throws IOException;
  }

  /**
   * {@link #visit}, also telling for each entry whether a node on its path from {@code root} (the
   * root and the leaf included) has a reference count above 1, i.e. whether another tree (a
   * snapshot sharing the subtree, a metadata snapshot) reaches the entry too. Trees share nodes
   * lazily, so a value's own reference count says nothing until its leaf is shadowed: a value is
   * another tree's too if its path is shared <em>or</em> its own count says so. Costs one reference
   * count lookup per node reached.
   */
  public void visitSharing(long root, long beginKey, long endKey, SharingVisitor<V> visitor)
      throws IOException {
    reader.visit(root, beginKey, endKey, true, visitor);
  }

  /**
   * Drops this reference to the whole tree (the kernel's dm_btree_del): a node whose count is above
   * 1 is just dec'd; otherwise its children are released first (internal: recursively, with an
   * explicit stack; leaf: {@link ValueType#dec} for each value) and then the node is dec'd.
   */
  public void delete(long root) throws IOException {
    deleter.delete(root);
  }

  /** The number of entries (walks every leaf). */
  public long count(long root) throws IOException {
    return reader.count(root);
  }

  /** The new value of an entry, computed from its old one by {@link #overwriteU64}. */
  @FunctionalInterface
  public interface ValueEdit {
    long apply(long oldValue) throws IOException;
  }

  /** The result of {@link #insert}: the new root, and false if the key already existed. */
  public record InsertResult(long root, boolean added) {}

  /** The result of {@link #remove}: the new root, and false if the key was absent. */
  public record RemoveResult(long root, boolean removed) {}

  /** The result of {@link #removeRange}: the new root and the number of entries removed. */
  public record RangeRemoval(long root, long removedCount) {
    public RangeRemoval {
      if (removedCount < 0) {
        throw new IllegalArgumentException("negative removed count " + removedCount);
      }
    }
  }
}

package org.thinpool.thin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.thinpool.meta.btree.BTree;
import org.thinpool.meta.btree.EntryVisitor;
import org.thinpool.meta.tx.LongLongHashMap;
import org.thinpool.meta.tx.SpaceMap;
import org.thinpool.meta.tx.TransactionManager;

/**
 * The two-level mapping tree (spec 3.3, 4): a top-level tree from thin id to the root of that
 * device's tree, which maps virtual blocks to block_time values. Keeps a cache of each device's
 * root so that I/O descends only the device's own tree.
 *
 * <p>Reference rules: a top-level value holds one reference to a device-tree root (deleting the
 * entry deletes that tree); a device-tree value holds one reference to its data block.
 *
 * <p>A change to a device's mappings is one top-down pass, like the kernel's two-level
 * dm_btree_insert: the top-level path to the device's entry is shadowed once and its leaf held
 * ({@link BTree#overwriteU64}); the device tree is updated beneath it and the leaf repointed at the
 * device tree's new root. Shadowing the top-level path first matters when it is shared (the
 * metadata snapshot): copying it adds the references that let the device tree's own shadowing drop
 * one safely.
 */
final class MappingTree {
  /**
   * Absent root or block_time. No block_time is -1: that would be data block 2^40 - 1, and the data
   * space map's blocks are counted in far fewer bits.
   */
  static final long ABSENT = -1;

  private final TransactionManager tm;
  private final BTree<Long> deviceTree;
  private final BTree<Long> topTree;

  /**
   * Each device's root as the top-level tree holds it now. Kept equal to the tree for every id it
   * holds: updated whenever a device's root changes, dropped on delete; a reload builds a new
   * MappingTree. A missing entry is looked up in the tree again.
   */
  private final LongLongHashMap deviceRoots = new LongLongHashMap();

  private long root;

  MappingTree(TransactionManager tm, SpaceMap dataSpaceMap, long root) {
    this.tm = tm;
    this.deviceTree = new BTree<>(tm, ValueCodecs.blockTime(dataSpaceMap));
    this.topTree = new BTree<>(tm, ValueCodecs.subtreeRoot(tm, deviceTree));
    this.root = root;
  }

  /** A new empty top-level tree. */
  static MappingTree create(TransactionManager tm, SpaceMap dataSpaceMap) throws IOException {
    MappingTree t = new MappingTree(tm, dataSpaceMap, 0);
    t.root = t.topTree.createEmpty();
    return t;
  }

  long root() {
    return root;
  }

  BTree<Long> topTree() {
    return topTree;
  }

  BTree<Long> deviceTree() {
    return deviceTree;
  }

  /** Every device id, ascending. */
  List<Long> deviceIds() throws IOException {
    List<Long> ids = new ArrayList<>();
    topTree.visit(root, 0, Long.MAX_VALUE, (k, v) -> ids.add(k));
    return ids;
  }

  /** Adds device {@code id} with an empty tree. */
  void createDevice(long id) throws IOException {
    attach(id, deviceTree.createEmpty());
  }

  /** Adds device {@code id} sharing {@code originId}'s whole tree: one reference, O(1). */
  void snapshot(long id, long originId) throws IOException {
    long originRoot = rootOf(originId);
    tm.inc(originRoot);
    attach(id, originRoot);
  }

  /** Adds device {@code id} with the tree at {@code deviceRoot} (whose reference passes here). */
  void attach(long id, long deviceRoot) throws IOException {
    root = topTree.insert(root, id, deviceRoot).root();
    deviceRoots.put(id, deviceRoot);
  }

  /** Removes a device; its tree loses one reference (freed if it was the last). */
  void delete(long id) throws IOException {
    root = topTree.remove(root, id).root();
    deviceRoots.remove(id);
  }

  /** The block_time of a virtual block, or {@link #ABSENT}; allocates nothing. */
  long lookup(long id, long vblock) throws IOException {
    return deviceTree.lookupU64(rootOf(id), vblock, ABSENT);
  }

  /**
   * Maps a virtual block; returns true if it was unmapped before. When the device's root was
   * already shadowed in this transaction and nothing else references it, the top-level path to it
   * is shadowed too (it was, when the root was) and already points at it: the insert changes the
   * device tree in place and keeps its root block (a full root splits beneath itself), so the
   * top-level tree is left alone, as the kernel's shadowing of an already shadowed path changes
   * nothing there either.
   */
  boolean insert(long id, long vblock, long blockTime) throws IOException {
    long deviceRoot = rootOf(id);
    if (tm.isShadowed(deviceRoot) && tm.refCount(deviceRoot) == 1) {
      var r = deviceTree.insert(deviceRoot, vblock, blockTime);
      if (r.root() != deviceRoot) {
        throw new AssertionError(
            "device " + id + ": the insert moved root " + deviceRoot + " to " + r.root());
      }
      return r.added();
    }
    boolean[] added = new boolean[1];
    updateDeviceTree(
        id,
        old -> {
          var r = deviceTree.insert(old, vblock, blockTime);
          added[0] = r.added();
          return r.root();
        });
    return added[0];
  }

  /** Unmaps [begin, end); returns how many were mapped. */
  long removeRange(long id, long begin, long end) throws IOException {
    long[] removed = new long[1];
    updateDeviceTree(
        id,
        old -> {
          var r = deviceTree.removeRange(old, begin, end);
          removed[0] = r.removedCount();
          return r.root();
        });
    return removed[0];
  }

  /** Nodes of the top-level and device trees shadowed so far (op-counting tests). */
  long nodesShadowed() {
    return topTree.nodesShadowed() + deviceTree.nodesShadowed();
  }

  void visit(long id, long begin, long end, EntryVisitor<Long> visitor) throws IOException {
    deviceTree.visit(rootOf(id), begin, end, visitor);
  }

  void visitSharing(long id, BTree.SharingVisitor<Long> visitor) throws IOException {
    deviceTree.visitSharing(rootOf(id), 0, Long.MAX_VALUE, visitor);
  }

  /** A new, empty, unattached device tree (restore). */
  long newDeviceTree() throws IOException {
    return deviceTree.createEmpty();
  }

  /** Inserts into an unattached device tree (restore); returns the new root and whether new. */
  BTree.InsertResult insertDetached(long deviceRoot, long vblock, long blockTime)
      throws IOException {
    return deviceTree.insert(deviceRoot, vblock, blockTime);
  }

  /** Drops one reference to a whole top-level tree (the metadata snapshot's). */
  void deleteTree(long topRoot) throws IOException {
    topTree.delete(topRoot);
  }

  /**
   * The root of device {@code id}'s tree: from the cache, else looked up and remembered. It changes
   * only through {@link #updateDeviceTree}, snapshot, delete or a reload, each of which updates the
   * cache (a reload builds a new MappingTree).
   */
  long rootOf(long id) throws IOException {
    long cached = deviceRoots.get(id, ABSENT);
    if (cached != ABSENT) {
      return cached;
    }
    Long r = topTree.lookup(root, id);
    if (r == null) {
      throw new MetadataStateException("no thin device " + id);
    }
    deviceRoots.put(id, r);
    return r;
  }

  /** Checks the root cache against the top-level tree (tests; an AssertionError if stale). */
  void checkDeviceRoots() throws IOException {
    for (long id : deviceRoots.keys()) {
      long cached = deviceRoots.get(id, ABSENT);
      Long r = topTree.lookup(root, id);
      if (r == null || r != cached) {
        throw new AssertionError("device " + id + ": cached root " + cached + ", tree " + r);
      }
    }
  }

  /**
   * Changes device {@code id}'s tree in one pass: {@code change} gets the device's root with the
   * top-level path to it shadowed and returns the root after the change.
   */
  private void updateDeviceTree(long id, BTree.ValueEdit change) throws IOException {
    rootOf(id); // a missing device fails here, before anything is shadowed
    long[] newRoot = {ABSENT};
    root = topTree.overwriteU64(root, id, old -> newRoot[0] = change.apply(old));
    deviceRoots.put(id, newRoot[0]);
  }
}

package org.thinpool.thin.check;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.thinpool.io.BlockDevice;
import org.thinpool.io.StorageException;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.btree.BTreeNode;
import org.thinpool.meta.space.Bitmaps;
import org.thinpool.meta.space.DataSpaceMap;
import org.thinpool.meta.space.IndexEntry;
import org.thinpool.meta.space.MetadataIndex;
import org.thinpool.meta.space.MetadataSpaceMap;
import org.thinpool.meta.tx.SpaceMap;
import org.thinpool.meta.tx.TransactionManager;
import org.thinpool.thin.DeviceDetails;
import org.thinpool.thin.Mapping;
import org.thinpool.thin.Superblock;
import org.thinpool.thin.ValueCodecs;

/**
 * The full metadata checker behind {@code thinpool check}: every block's checksum and header, every
 * tree's shape (key order, parent bounds, fill, equal depth), the details and mapping trees against
 * each other, and every reference count of both space maps recomputed from the trees (spec 6 and 7)
 * and compared with what is stored.
 *
 * <p>It walks, bounds and counts every tree itself rather than through the b-tree operations, so a
 * bug there (a lost reference, a key outside its parent's range, an underfull node) cannot hide
 * from it. It reads fields through the shared codecs ({@link BTreeNode}, {@link MetadataIndex}): a
 * second copy of byte offsets would check nothing the golden files, the real {@code thin_check} and
 * the kernel test do not already pin, and the block manager has already run each block type's
 * validator on every block this class reads.
 */
public final class PoolCheck {
  /** Leaf values of the overflow trees: u32 reference counts (spec 5.1). */
  private static final int REF_COUNT_BYTES = 4;

  /** Leaf values of both mapping-tree levels: a u64 subtree root or block_time (spec 3.4). */
  private static final int MAPPING_VALUE_BYTES = 8;

  /** Deeper than any tree of 2^64 keys at minimum fill: a loop or garbage. */
  private static final int MAX_DEPTH = 16;

  private final BlockManager blocks;
  private final List<Problem> problems = new ArrayList<>();
  private long[] expectedMeta;
  private long[] expectedData;
  private final Map<Long, long[]> nodeChildren = new HashMap<>();
  private final Map<Long, Long> leafEntries = new HashMap<>();
  private final java.util.Set<Long> visited = new java.util.HashSet<>();

  /**
   * One problem found; {@code fatal} is false for leaks, which lose nothing. A {@code recount}
   * problem is a count the walk recomputed (a reference count, a device's mapped_blocks) that
   * differs from the stored one: when the walk also found a damaged block, the recount follows from
   * it (every block under an unreadable node is uncounted) and is not a cause of its own.
   */
  public record Problem(String message, boolean fatal, boolean recount) {
    public Problem(String message, boolean fatal) {
      this(message, fatal, false);
    }
  }

  /** The outcome: an empty problem list means clean. */
  public record Report(List<Problem> problems, long transactionId, long metadataFreeBlocks) {
    public Report {
      problems = List.copyOf(problems);
    }

    public boolean clean() {
      return problems.isEmpty();
    }

    /**
     * The problems to report first: the damaged blocks and broken structure when there are any
     * (each names its block and what is wrong), else the differing counts themselves.
     */
    public List<Problem> rootCauses() {
      List<Problem> structural = problems.stream().filter(p -> !p.recount()).toList();
      return structural.isEmpty() ? problems : structural;
    }

    /** How many problems follow from the {@link #rootCauses} (recounts under damage). */
    public int followingCount() {
      return problems.size() - rootCauses().size();
    }
  }

  private PoolCheck(BlockManager blocks) {
    this.blocks = blocks;
  }

  /** Checks the metadata on {@code device} (opened read-only by the caller or not). */
  public static Report run(BlockDevice device) throws IOException {
    BlockManager bm = new BlockManager(device, 1024, true);
    return new PoolCheck(bm).check();
  }

  private Report check() throws IOException {
    Superblock sb;
    try {
      sb = Superblock.read(blocks, 0);
    } catch (StorageException e) {
      problems.add(new Problem("superblock is corrupt: " + e.getMessage(), true));
      return new Report(problems, -1, 0);
    }
    long have = blocks.blockCount();
    long counted = sb.metadataSpaceMap().nrBlocks();
    if (have < counted) {
      problems.add(
          new Problem(
              "metadata device holds "
                  + have
                  + " blocks but its space map"
                  + " counts "
                  + counted
                  + ": it was truncated or shrunk",
              true));
      return new Report(problems, sb.transactionId(), 0);
    }
    TransactionManager tm = new TransactionManager(blocks);
    SpaceMap msm;
    SpaceMap dsm;
    try {
      msm = MetadataSpaceMap.open(tm, sb.metadataSpaceMap());
      dsm = DataSpaceMap.open(tm, sb.dataSpaceMap());
    } catch (StorageException e) {
      problems.add(new Problem("space map is corrupt: " + e.getMessage(), true));
      return new Report(problems, sb.transactionId(), 0);
    }
    expectedMeta = new long[(int) msm.nrBlocks()];
    expectedData = new long[(int) Math.min(dsm.nrBlocks(), Integer.MAX_VALUE - 8)];
    ref(0, "superblock");
    spaceMapReferences(sb, msm, dsm);
    Map<Long, DeviceDetails> details = walkThinTrees(sb, "", true);
    if (sb.metadataSnap() != 0) {
      ref(sb.metadataSnap(), "metadata snapshot");
      try {
        walkThinTrees(Superblock.read(blocks, sb.metadataSnap()), "metadata snapshot ", false);
      } catch (StorageException e) {
        problems.add(new Problem("metadata snapshot: " + e.getMessage(), true));
      }
    }
    compareCounts("metadata", expectedMeta, msm);
    compareCounts("data", expectedData, dsm);
    assert details != null;
    return new Report(problems, sb.transactionId(), msm.nrFree());
  }

  private void spaceMapReferences(Superblock sb, SpaceMap msm, SpaceMap dsm) throws IOException {
    long index = sb.metadataSpaceMap().bitmapRoot();
    ref(index, "metadata space map index");
    try (ReadBlock idx = blocks.read(index, MetadataIndex.BLOCK_TYPE)) {
      for (int k = 0; k < Bitmaps.bitmapCount(msm.nrBlocks()); k++) {
        ref(MetadataIndex.bitmapLocation(idx, k), "metadata space map bitmap " + k);
      }
    }
    ref(sb.metadataSpaceMap().refCountRoot(), "metadata space map overflow tree root");
    ref(sb.dataSpaceMap().refCountRoot(), "data space map overflow tree root");
    ref(sb.dataSpaceMap().bitmapRoot(), "data space map index tree root");
    walk(
        sb.metadataSpaceMap().refCountRoot(),
        REF_COUNT_BYTES,
        "metadata space map overflow tree",
        null);
    walk(sb.dataSpaceMap().refCountRoot(), REF_COUNT_BYTES, "data space map overflow tree", null);
    long[] n = {0};
    String indexTree = "data space map index tree";
    walk(
        sb.dataSpaceMap().bitmapRoot(),
        IndexEntry.SIZE_BYTES,
        indexTree,
        (leaf, b) -> {
          for (int i = 0; i < nr(b); i++) {
            ref(b.u64(valueOffset(b, i)), "data space map bitmap " + key(b, i));
            n[0]++;
          }
        });
    if (n[0] != Bitmaps.bitmapCount(dsm.nrBlocks())) {
      problems.add(
          new Problem(
              "data space map index has "
                  + n[0]
                  + " entries, expected "
                  + Bitmaps.bitmapCount(dsm.nrBlocks()),
              true));
    }
  }

  private Map<Long, DeviceDetails> walkThinTrees(Superblock sb, String what, boolean live)
      throws IOException {
    Map<Long, DeviceDetails> details = new TreeMap<>();
    ref(sb.deviceDetailsRoot(), what + "device details tree root");
    ref(sb.dataMappingRoot(), what + "top-level mapping tree root");
    walk(
        sb.deviceDetailsRoot(),
        DeviceDetails.SIZE_BYTES,
        what + "device details tree",
        (leaf, b) -> {
          for (int i = 0; i < nr(b); i++) {
            details.put(key(b, i), ValueCodecs.DETAILS.decode(b, valueOffset(b, i)));
          }
        });
    Map<Long, Long> roots = new TreeMap<>();
    walk(
        sb.dataMappingRoot(),
        MAPPING_VALUE_BYTES,
        what + "top-level mapping tree",
        (leaf, b) -> {
          for (int i = 0; i < nr(b); i++) {
            roots.put(key(b, i), b.u64(valueOffset(b, i)));
          }
        });
    for (Map.Entry<Long, Long> e : roots.entrySet()) {
      long dev = e.getKey();
      ref(e.getValue(), what + "thin device " + dev + " mapping tree root");
      String tree = what + "thin device " + dev + " mapping tree";
      walk(
          e.getValue(),
          MAPPING_VALUE_BYTES,
          tree,
          (leaf, b) -> {
            for (int i = 0; i < nr(b); i++) {
              long data = b.u64(valueOffset(b, i)) >>> Mapping.TIME_BITS;
              if (data >= expectedData.length) {
                problems.add(
                    new Problem(
                        what
                            + "thin device "
                            + dev
                            + " maps block "
                            + key(b, i)
                            + " to data block "
                            + data
                            + " beyond the data device",
                        true));
              } else {
                expectedData[(int) data]++;
              }
            }
          });
      if (!details.containsKey(dev)) {
        problems.add(
            new Problem(what + "thin device " + dev + " has mappings but no details", true));
      } else if (live) {
        long mapped = entriesUnder(e.getValue());
        if (mapped != details.get(dev).mappedBlocks()) {
          problems.add(
              new Problem(
                  "thin device "
                      + dev
                      + " has "
                      + mapped
                      + " mappings but its details say mapped_blocks "
                      + details.get(dev).mappedBlocks(),
                  true,
                  true));
        }
      }
    }
    for (long dev : details.keySet()) {
      if (!roots.containsKey(dev)) {
        problems.add(
            new Problem(what + "thin device " + dev + " has details but no mapping tree", true));
      }
    }
    return details;
  }

  @FunctionalInterface
  private interface LeafVisitor {
    void leaf(long blockNr, ReadBlock b) throws IOException;
  }

  private record Pending(long block, long lowKey, long highKey, int depth, String path) {}

  /**
   * Walks one tree from {@code root} (whose reference the caller counted): counts a reference for
   * every child pointer, and descends into each node only the first time it is reached.
   */
  private void walk(long root, int leafValueSize, String tree, LeafVisitor visitor)
      throws IOException {
    if (!visited.add(root)) {
      return;
    }
    Deque<Pending> stack = new ArrayDeque<>();
    stack.push(new Pending(root, 0, -1, 0, tree));
    int[] leafDepth = {-1};
    while (!stack.isEmpty()) {
      Pending p = stack.pop();
      if (p.depth > MAX_DEPTH) {
        problems.add(
            new Problem(tree + " deeper than " + MAX_DEPTH + " at block " + p.block, true));
        continue;
      }
      try (ReadBlock b = blocks.read(p.block, BTreeNode.BLOCK_TYPE)) {
        checkNode(b, p, leafValueSize, leafDepth);
        if (BTreeNode.isInternal(b)) {
          long[] children = new long[nr(b)];
          for (int i = nr(b) - 1; i >= 0; i--) {
            long child = b.u64(valueOffset(b, i));
            children[i] = child;
            ref(child, tree);
            if (visited.add(child)) {
              long hi = i + 1 < nr(b) ? key(b, i + 1) : p.highKey;
              stack.push(new Pending(child, key(b, i), hi, p.depth + 1, tree));
            }
          }
          nodeChildren.put(p.block, children);
        } else {
          leafEntries.put(p.block, (long) nr(b));
          if (visitor != null) {
            visitor.leaf(p.block, b);
          }
        }
      } catch (StorageException e) {
        problems.add(new Problem(tree + ": " + e.getMessage(), true));
      }
    }
  }

  private void checkNode(ReadBlock b, Pending p, int leafValueSize, int[] leafDepth) {
    boolean internal = BTreeNode.isInternal(b);
    long valueSize = BTreeNode.valueSize(b);
    long max = BTreeNode.maxEntries(b);
    int wantSize = internal ? BTreeNode.INTERNAL_VALUE_SIZE : leafValueSize;
    String where = p.path + " (block " + p.block + ")";
    if (valueSize != wantSize) {
      problems.add(
          new Problem(where + ": value size " + valueSize + ", expected " + wantSize, true));
    }
    boolean root = p.depth == 0;
    if (!root && nr(b) < max / 3) {
      problems.add(
          new Problem(
              "too few entries in btree_node: "
                  + nr(b)
                  + ", expected at least "
                  + max / 3
                  + " (block "
                  + p.block
                  + ", max_entries = "
                  + max
                  + ") in "
                  + p.path,
              true));
    }
    if (!root && nr(b) == 0) {
      return;
    }
    if (nr(b) > 0 && !root && Long.compareUnsigned(key(b, 0), p.lowKey) < 0) {
      problems.add(
          new Problem(
              where + ": first key " + key(b, 0) + " below the parent's key " + p.lowKey, true));
    }
    if (nr(b) > 0 && p.highKey != -1 && Long.compareUnsigned(key(b, nr(b) - 1), p.highKey) >= 0) {
      problems.add(
          new Problem(
              where
                  + ": last key "
                  + key(b, nr(b) - 1)
                  + " not below the next parent key "
                  + p.highKey,
              true));
    }
    if (!internal) {
      if (leafDepth[0] == -1) {
        leafDepth[0] = p.depth;
      } else if (leafDepth[0] != p.depth) {
        problems.add(
            new Problem(
                where + ": leaf at depth " + p.depth + ", others at " + leafDepth[0], true));
      }
    }
  }

  /** Number of leaf entries under a node already walked (memoised, iterative). */
  private long entriesUnder(long node) {
    Map<Long, Long> memo = new HashMap<>();
    Deque<Long> stack = new ArrayDeque<>();
    stack.push(node);
    while (!stack.isEmpty()) {
      long n = stack.peek();
      if (memo.containsKey(n)) {
        stack.pop();
        continue;
      }
      Long leaf = leafEntries.get(n);
      if (leaf != null) {
        memo.put(n, leaf);
        stack.pop();
        continue;
      }
      long[] children = nodeChildren.get(n);
      if (children == null) {
        memo.put(n, 0L);
        stack.pop();
        continue;
      }
      boolean ready = true;
      long sum = 0;
      for (long c : children) {
        Long v = memo.get(c);
        if (v == null) {
          ready = false;
          stack.push(c);
        } else {
          sum += v;
        }
      }
      if (ready) {
        memo.put(n, sum);
        stack.pop();
      }
    }
    return memo.get(node);
  }

  private void ref(long block, String what) {
    if (block < 0 || block >= expectedMeta.length) {
      problems.add(
          new Problem(what + " points at block " + block + " beyond the metadata device", true));
      return;
    }
    expectedMeta[(int) block]++;
  }

  private void compareCounts(String name, long[] expected, SpaceMap sm) throws IOException {
    for (int b = 0; b < expected.length; b++) {
      long actual = sm.refCount(b);
      if (actual != expected[b]) {
        boolean leak = expected[b] == 0;
        problems.add(
            new Problem(
                name
                    + " reference counts differ for block "
                    + b
                    + ", expected "
                    + expected[b]
                    + ", but got "
                    + actual
                    + (leak ? " (leaked)" : ""),
                !leak,
                true));
      }
    }
  }

  private static int nr(ReadBlock b) {
    return BTreeNode.nrEntries(b);
  }

  private static long key(ReadBlock b, int i) {
    return BTreeNode.key(b, i);
  }

  private static int valueOffset(ReadBlock b, int i) {
    return BTreeNode.valueOffset(b, i);
  }
}

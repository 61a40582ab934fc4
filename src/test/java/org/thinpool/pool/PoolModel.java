package org.thinpool.pool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a {@link ThinPool}'s devices must hold, for {@link PoolModelPropertyTest}: the bytes of
 * every device now ({@code current}) and at the last flush ({@code durable}), block by block.
 *
 * <p>Block contents are arrays of one data block that are never changed once stored (a write stores
 * a changed copy), so a snapshot or a flush copies maps, not bytes. An absent block reads as zeros.
 *
 * <p>The model also keeps which virtual blocks are mapped, each to a token that stands for a data
 * block: a snapshot copies the tokens, a write to a token another device also holds takes a new
 * token (copy-on-write). So it predicts each device's mapped blocks and the pool's used data blocks
 * without knowing how the pool decides sharing.
 *
 * <p>What a crash without flush may show. A write to a block that the last commit maps to data
 * block X, and that only this device uses, goes to X in place: no disk guarantees such a write
 * before a flush, and a copy of the files shows it. So for each block mapped at the last flush and
 * written since, the model keeps every content the block had since the flush while it may still
 * have been at X ({@link #crashContents}); a crash must show one of them, whole. Once the block is
 * unmapped, or copied away from a block another device holds, X cannot change again. Blocks not
 * mapped at the last flush must read exactly as then.
 */
final class PoolModel {
  /** One device: its virtual size, its written blocks' contents and its mapped blocks. */
  static final class Device {
    long sizeBytes;
    final TreeMap<Long, byte[]> blocks;
    final TreeMap<Long, Long> tokens;

    Device(long sizeBytes, TreeMap<Long, byte[]> blocks, TreeMap<Long, Long> tokens) {
      this.sizeBytes = sizeBytes;
      this.blocks = blocks;
      this.tokens = tokens;
    }

    Device copy() {
      return new Device(sizeBytes, new TreeMap<>(blocks), new TreeMap<>(tokens));
    }
  }

  final int blockBytes;
  private final byte[] zeroBlock;
  private TreeMap<Long, Device> current = new TreeMap<>();
  private TreeMap<Long, Device> durable = new TreeMap<>();

  /** Per device and block: contents since the last flush that a crash may show (see above). */
  private final Map<Long, Map<Long, List<byte[]>>> inPlace = new HashMap<>();

  /** Per device: blocks whose flushed data block can no longer change before the next flush. */
  private final Map<Long, Set<Long>> settled = new HashMap<>();

  /** Per device: blocks mapped before and written since the last flush. */
  private final Map<Long, Set<Long>> rewritten = new HashMap<>();

  private long nextToken = 1;
  private long tokensDroppedSinceFlush;

  /**
   * The data blocks (tokens) the metadata snapshot references, empty when none is held: its trees
   * keep them in use, whatever the devices do, until it is released.
   */
  private Set<Long> metadataSnapTokens = Set.of();

  PoolModel(int blockBytes) {
    this.blockBytes = blockBytes;
    this.zeroBlock = new byte[blockBytes];
  }

  /**
   * An independent copy (contents arrays are shared: they never change once stored), for a harness
   * that must keep the state before an operation that may or may not have happened.
   */
  PoolModel copy() {
    PoolModel c = new PoolModel(blockBytes);
    c.current = copyOf(current);
    c.durable = copyOf(durable);
    inPlace.forEach(
        (id, m) -> {
          Map<Long, List<byte[]>> blocks = new HashMap<>();
          m.forEach((b, list) -> blocks.put(b, new ArrayList<>(list)));
          c.inPlace.put(id, blocks);
        });
    settled.forEach((id, set) -> c.settled.put(id, new HashSet<>(set)));
    rewritten.forEach((id, set) -> c.rewritten.put(id, new HashSet<>(set)));
    c.nextToken = nextToken;
    c.tokensDroppedSinceFlush = tokensDroppedSinceFlush;
    c.metadataSnapTokens = metadataSnapTokens;
    return c;
  }

  // ---- device changes: each is a transaction, so it flushes too ----

  void create(long id, long sizeBytes) {
    current.put(id, new Device(sizeBytes, new TreeMap<>(), new TreeMap<>()));
    flush();
  }

  void snapshot(long id, long originId) {
    current.put(id, device(originId).copy());
    flush();
  }

  void delete(long id) {
    current.remove(id);
    flush();
  }

  /** As ThinPool.resize: zero the tail of a partial last block, unmap the blocks past it. */
  void resize(long id, long sizeBytes) {
    Device d = device(id);
    long firstGone = ceilDiv(sizeBytes, blockBytes);
    if (sizeBytes < d.sizeBytes && sizeBytes % blockBytes != 0) {
      writeZeroes(id, sizeBytes, Math.min(d.sizeBytes, firstGone * blockBytes) - sizeBytes);
    }
    if (sizeBytes < d.sizeBytes) {
      d.blocks.tailMap(firstGone).clear();
      d.tokens.tailMap(firstGone).clear();
    }
    d.sizeBytes = sizeBytes;
    flush();
  }

  // ---- I/O ----

  void write(long id, long offset, byte[] data) {
    long pos = offset;
    int done = 0;
    while (done < data.length) {
      long b = pos / blockBytes;
      int in = (int) (pos % blockBytes);
      int n = Math.min(blockBytes - in, data.length - done);
      byte[] next = content(current.get(id), b).clone();
      System.arraycopy(data, done, next, in, n);
      store(id, b, next);
      pos += n;
      done += n;
    }
  }

  /** As ThinDevice.writeZeroes: whole blocks unmapped, partial ones zeroed where mapped. */
  void writeZeroes(long id, long offset, long length) {
    Device d = device(id);
    long end = offset + length;
    for (long b = offset / blockBytes; b * blockBytes < end; b++) {
      long from = Math.max(offset, b * blockBytes);
      long to = Math.min(end, (b + 1) * blockBytes);
      if (from >= to) {
        continue;
      }
      if (to - from == blockBytes) {
        unmap(id, b);
      } else if (d.tokens.containsKey(b)) {
        byte[] next = content(d, b).clone();
        Arrays.fill(next, (int) (from - b * blockBytes), (int) (to - b * blockBytes), (byte) 0);
        store(id, b, next);
      }
    }
  }

  /** As ThinDevice.discard in passdown or nopassdown: only whole blocks are unmapped. */
  void discard(long id, long offset, long length) {
    long end = offset + length;
    for (long b = ceilDiv(offset, blockBytes); (b + 1) * blockBytes <= end; b++) {
      unmap(id, b);
    }
  }

  /** As ThinPool.metadataSnapshot(true): commits, and the snapshot holds every mapped block. */
  void reserveMetadataSnap() {
    flush();
    Set<Long> all = new HashSet<>();
    current.values().forEach(d -> all.addAll(d.tokens.values()));
    metadataSnapTokens = Set.copyOf(all);
  }

  /** As ThinPool.metadataSnapshot(false): the blocks only the snapshot held are free. */
  void releaseMetadataSnap() {
    metadataSnapTokens = Set.of();
    flush();
  }

  /** Everything so far is durable. */
  void flush() {
    durable = copyOf(current);
    inPlace.clear();
    settled.clear();
    rewritten.clear();
    tokensDroppedSinceFlush = 0;
  }

  /** After a crash: the pool reopened at the last flush, with the contents it actually shows. */
  void crashed(Map<Long, Map<Long, byte[]>> shown) {
    current = copyOf(durable);
    shown.forEach(
        (id, blocks) ->
            blocks.forEach(
                (b, c) -> {
                  if (Arrays.equals(c, zeroBlock)) {
                    current.get(id).blocks.remove(b);
                  } else {
                    current.get(id).blocks.put(b, c);
                  }
                }));
    flush();
  }

  private void store(long id, long b, byte[] next) {
    Device d = current.get(id);
    Long token = d.tokens.get(b);
    if (token == null) {
      d.tokens.put(b, nextToken++);
    } else if (heldElsewhere(id, token)) {
      d.tokens.put(b, nextToken++);
      tokensDroppedSinceFlush++;
      settle(id, b);
    } else {
      if (rewritten.computeIfAbsent(id, k -> new HashSet<>()).add(b)) {
        // The pool may copy the block anyway (dm-thin's rule: mapped before the device's last
        // snapshot); the old one stays allocated until the next commit.
        tokensDroppedSinceFlush++;
      }
      if (mayBeInPlace(id, b)) {
        inPlace
            .computeIfAbsent(id, k -> new HashMap<>())
            .computeIfAbsent(b, k -> new ArrayList<>())
            .add(next);
      }
    }
    d.blocks.put(b, next);
  }

  private void unmap(long id, long b) {
    Device d = current.get(id);
    if (d.tokens.remove(b) != null) {
      tokensDroppedSinceFlush++;
    }
    d.blocks.remove(b);
    settle(id, b);
  }

  private void settle(long id, long b) {
    settled.computeIfAbsent(id, k -> new HashSet<>()).add(b);
  }

  private boolean mayBeInPlace(long id, long b) {
    Device flushed = durable.get(id);
    return flushed != null
        && flushed.tokens.containsKey(b)
        && !settled.getOrDefault(id, Set.of()).contains(b);
  }

  private boolean heldElsewhere(long id, long token) {
    for (Map.Entry<Long, Device> e : current.entrySet()) {
      if (e.getKey() != id && e.getValue().tokens.containsValue(token)) {
        return true;
      }
    }
    return false;
  }

  // ---- queries ----

  Set<Long> ids() {
    return current.keySet();
  }

  Set<Long> durableIds() {
    return durable.keySet();
  }

  Device device(long id) {
    Device d = current.get(id);
    if (d == null) {
      throw new AssertionError("model has no device " + id);
    }
    return d;
  }

  Device durableDevice(long id) {
    return durable.get(id);
  }

  /** The bytes [offset, offset + length) of a device now. */
  byte[] expected(long id, long offset, int length) {
    Device d = device(id);
    byte[] out = new byte[length];
    long pos = offset;
    while (pos < offset + length) {
      long b = pos / blockBytes;
      int in = (int) (pos % blockBytes);
      int n = (int) Math.min(blockBytes - in, offset + length - pos);
      System.arraycopy(content(d, b), in, out, (int) (pos - offset), n);
      pos += n;
    }
    return out;
  }

  /** The contents a crash may show for a block: the flushed one first, then in-place ones. */
  List<byte[]> crashContents(long id, long b) {
    List<byte[]> all = new ArrayList<>();
    all.add(content(durable.get(id), b));
    all.addAll(inPlace.getOrDefault(id, Map.of()).getOrDefault(b, List.of()));
    return all;
  }

  byte[] content(Device d, long b) {
    byte[] c = d.blocks.get(b);
    return c != null ? c : zeroBlock;
  }

  /** Distinct data blocks the devices map now (current) or at the last flush. */
  static long distinctTokens(Map<Long, Device> devices) {
    Set<Long> all = new HashSet<>();
    devices.values().forEach(d -> all.addAll(d.tokens.values()));
    return all.size();
  }

  long dataBlocksUsed() {
    return distinctTokens(current, metadataSnapTokens);
  }

  long durableDataBlocksUsed() {
    return distinctTokens(durable, metadataSnapTokens);
  }

  private static long distinctTokens(Map<Long, Device> devices, Set<Long> alsoHeld) {
    Set<Long> all = new HashSet<>(alsoHeld);
    devices.values().forEach(d -> all.addAll(d.tokens.values()));
    return all.size();
  }

  /** More than the data blocks the pool may hold now, freed-but-uncommitted ones included. */
  long dataBlocksHeldBound() {
    return dataBlocksUsed() + tokensDroppedSinceFlush;
  }

  private static TreeMap<Long, Device> copyOf(TreeMap<Long, Device> devices) {
    TreeMap<Long, Device> copy = new TreeMap<>();
    devices.forEach((id, d) -> copy.put(id, d.copy()));
    return copy;
  }

  static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}

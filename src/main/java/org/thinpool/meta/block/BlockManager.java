package org.thinpool.meta.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.thinpool.io.BlockDevice;
import org.thinpool.io.DeviceIoException;
import org.thinpool.io.MetadataCorruptException;
import org.thinpool.io.OutOfSpaceException;

/**
 * Reads and writes 4 KiB metadata blocks through a bounded cache, evicted by second chance (CLOCK):
 * a hit only marks the block referenced; eviction walks the blocks in insertion order, moves
 * referenced ones to the back with the mark cleared and evicts the first unreferenced one. That
 * keeps hot blocks (the interior of the trees) as LRU would, and a hit writes nothing but the
 * block's own mark: an access-ordered map relinks two neighbours on every hit, cache misses on
 * every level of every lookup once the cache is large.
 *
 * <p>Contract: every block read from the device is validated before any caller sees it: the
 * checksum with its type's salt and its self location here, its layout by the validator its type's
 * owner declared ({@link BlockValidator}), so corrupt metadata surfaces as {@link
 * MetadataCorruptException}, never as data. Dirty blocks pass the same validator and get their
 * blocknr and checksum set when written out; they may be written early when evicted (they are new
 * blocks of the open transaction, so that is safe). The superblock is never cached dirty: {@link
 * #writeSuperblock} refuses to run while any block is dirty, so after {@link #flush} it is the last
 * block of a commit to reach the device. The order itself is the transaction manager's ({@code
 * TransactionManager#commit}); this class only refuses the wrong one.
 */
public final class BlockManager implements AutoCloseable {
  /**
   * Default cache: 16 384 blocks = 64 MiB. A 1 TiB pool of 64 KiB blocks has 16 M mappings, about
   * 66 000 leaves; the hot interior of every tree (internal nodes, recent leaves) fits, and the
   * heap stays far below 256 MiB.
   */
  public static final int DEFAULT_CACHE_BLOCKS = 16_384;

  private final BlockDevice device;
  private final int cacheBlocks;
  private final boolean readOnly;
  private final LinkedHashMap<BlockKey, MetadataBlock> cache;

  /** Looks blocks up in {@link #cache} without boxing (guarded by this object's monitor). */
  private final BlockKey probe = new BlockKey(0);

  /** Blocks locked for writing since they were last written out: a commit touches only these. */
  private final Map<Long, MetadataBlock> dirty = new HashMap<>();

  /** The types this manager was asked for, to name the actual type of a misplaced block. */
  private final List<BlockType> typesSeen = new ArrayList<>(4);

  private long blocksRead;
  private long blocksWritten;

  public BlockManager(BlockDevice device, int cacheBlocks, boolean readOnly) {
    if (cacheBlocks < 16) {
      throw new IllegalArgumentException("cache must hold at least 16 blocks: " + cacheBlocks);
    }
    this.device = device;
    this.cacheBlocks = cacheBlocks;
    this.readOnly = readOnly;
    this.cache = new LinkedHashMap<>(1024, 0.75f, false);
  }

  /** Number of whole 4 KiB blocks the device holds. */
  public synchronized long blockCount() throws IOException {
    return device.sizeBytes() / MetadataBlock.SIZE_BYTES;
  }

  public BlockDevice device() {
    return device;
  }

  public boolean readOnly() {
    return readOnly;
  }

  /** Reads and validates block {@code blockNr} as {@code type}. */
  public synchronized ReadBlock read(long blockNr, BlockType type) throws IOException {
    MetadataBlock b = lookup(blockNr, type);
    b.pin();
    return b;
  }

  /** Locks an existing block for writing; the caller guarantees it is not committed state. */
  public synchronized WriteBlock write(long blockNr, BlockType type) throws IOException {
    checkWritable();
    MetadataBlock b = lookup(blockNr, type);
    b.pin();
    if (!b.dirty()) { // a cached dirty block is in the dirty map already
      b.markDirty();
      dirty.put(blockNr, b);
    }
    return b;
  }

  /** A zero-filled block for writing, without reading the device (a new block). */
  public synchronized WriteBlock zero(long blockNr, BlockType type) throws IOException {
    checkWritable();
    MetadataBlock old = cache.remove(probe.probe(blockNr));
    dirty.remove(blockNr);
    if (old != null && old.pins() > 0) {
      throw new AssertionError("block " + blockNr + " reused while still held");
    }
    MetadataBlock b = new MetadataBlock(blockNr, type, new byte[MetadataBlock.SIZE_BYTES], this);
    noteType(type);
    b.markDirty();
    b.pin();
    cache.put(new BlockKey(blockNr), b);
    dirty.put(blockNr, b);
    evictIfNeeded();
    return b;
  }

  /** Reads a block's raw bytes without validation or caching (checkers, dumps of bad blocks). */
  public synchronized byte[] readRaw(long blockNr) throws IOException {
    MetadataBlock cached = cache.get(probe.probe(blockNr));
    byte[] buf = new byte[MetadataBlock.SIZE_BYTES];
    if (cached != null && cached.dirty()) {
      cached.copyTo(buf);
      return buf;
    }
    readFromDevice(blockNr, buf);
    return buf;
  }

  /** Writes every dirty block out and syncs the device. */
  public synchronized void flush() throws IOException {
    List<MetadataBlock> toWrite = new ArrayList<>(dirty.values());
    toWrite.sort((x, y) -> Long.compare(x.blockNr(), y.blockNr()));
    for (MetadataBlock b : toWrite) {
      if (b.dirty()) {
        writeOut(b);
      }
    }
    dirty.clear();
    sync();
  }

  /**
   * Writes block 0 from {@code image} (every field but blocknr and checksum filled in, those are
   * set here) and syncs: the commit point. Every other block of the transaction must be on the
   * device already ({@link #flush}); a dirty block left is an {@link AssertionError}.
   */
  public synchronized void writeSuperblock(BlockType type, byte[] image) throws IOException {
    checkWritable();
    if (!dirty.isEmpty()) {
      throw new AssertionError(
          "superblock written before " + dirty.size() + " dirty blocks: commit out of order");
    }
    MetadataBlock sb = new MetadataBlock(0, type, image, this);
    BlockChecks.seal(sb);
    cache.remove(probe.probe(0));
    writeToDevice(0, image);
    sync();
  }

  /** Forgets every dirty block (transaction abort); committed blocks stay cached. */
  public synchronized void dropDirty() {
    cache.values().removeIf(MetadataBlock::dirty);
    dirty.clear();
  }

  /** Forgets the whole cache (after the file changed underneath, e.g. a restore). */
  public synchronized void clearCache() {
    cache.clear();
    dirty.clear();
  }

  public synchronized long blocksRead() {
    return blocksRead;
  }

  public synchronized long blocksWritten() {
    return blocksWritten;
  }

  public synchronized int cachedBlocks() {
    return cache.size();
  }

  synchronized void unpin(MetadataBlock b) {
    b.unpinOnce();
  }

  private MetadataBlock lookup(long blockNr, BlockType type) throws IOException {
    MetadataBlock b = cache.get(probe.probe(blockNr));
    if (b != null) {
      b.markReferenced();
      if (b.type() != type) {
        throw new MetadataCorruptException(
            blockNr, type.description(), "block is in use as a " + b.type().description());
      }
      return b;
    }
    if (blockNr < 0 || blockNr >= blockCount()) {
      throw new MetadataCorruptException(
          blockNr, type.description(), "block number beyond the metadata device");
    }
    byte[] buf = new byte[MetadataBlock.SIZE_BYTES];
    readFromDevice(blockNr, buf);
    b = new MetadataBlock(blockNr, type, buf, this);
    noteType(type);
    BlockChecks.verify(b, typesSeen);
    cache.put(new BlockKey(blockNr), b);
    evictIfNeeded();
    return b;
  }

  private void evictIfNeeded() throws IOException {
    int over = cache.size() - cacheBlocks;
    // Two passes at most: the first clears the marks it passes, so the second finds a victim
    // unless every block is pinned.
    for (int pass = 0; pass < 2 && over > 0; pass++) {
      List<MetadataBlock> secondChance = new ArrayList<>();
      Iterator<MetadataBlock> it = cache.values().iterator();
      while (over > 0 && it.hasNext()) {
        MetadataBlock b = it.next();
        if (b.pins() > 0) {
          continue;
        }
        it.remove();
        if (b.takeReferenced()) {
          secondChance.add(b);
          continue;
        }
        if (b.dirty()) {
          writeOut(b);
        }
        dirty.remove(b.blockNr());
        over--;
      }
      for (MetadataBlock b : secondChance) {
        cache.put(new BlockKey(b.blockNr()), b);
      }
    }
  }

  private void writeOut(MetadataBlock b) throws IOException {
    BlockChecks.seal(b);
    writeToDevice(b.blockNr(), b.data());
    b.markClean();
  }

  private void readFromDevice(long blockNr, byte[] buf) throws IOException {
    try {
      device.read(blockNr * MetadataBlock.SIZE_BYTES, ByteBuffer.wrap(buf));
    } catch (IOException e) {
      if (e instanceof MetadataCorruptException) {
        throw e;
      }
      throw new DeviceIoException("reading metadata block " + blockNr + " failed", e);
    }
    blocksRead++;
  }

  private void writeToDevice(long blockNr, byte[] buf) throws IOException {
    if (blockNr >= blockCount()) {
      throw new AssertionError("write beyond the metadata device: block " + blockNr);
    }
    try {
      device.write(blockNr * MetadataBlock.SIZE_BYTES, ByteBuffer.wrap(buf));
    } catch (OutOfSpaceException e) {
      throw e; // the host is full: the caller may drop the transaction and carry on
    } catch (IOException e) {
      throw new DeviceIoException(
          "writing metadata block " + blockNr + " failed: " + e.getMessage(), e);
    }
    blocksWritten++;
  }

  private void sync() throws IOException {
    try {
      device.sync();
    } catch (IOException e) {
      throw new DeviceIoException("syncing the metadata device failed", e);
    }
  }

  private void noteType(BlockType type) {
    if (!typesSeen.contains(type)) {
      typesSeen.add(type);
    }
  }

  private void checkWritable() {
    if (readOnly) {
      throw new AssertionError("write to a read-only block manager");
    }
  }

  @Override
  public synchronized void close() throws IOException {
    cache.clear();
    device.close();
  }
}

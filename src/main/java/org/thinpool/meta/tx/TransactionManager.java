package org.thinpool.meta.tx;

import java.io.IOException;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.meta.block.BlockType;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/**
 * Copy-on-write transactions over metadata blocks (the kernel's dm_transaction_manager).
 *
 * <p>Contract: a block of the last committed state is never written. {@link #newBlock} hands out a
 * zeroed block that is free in the committed state; {@link #shadow} gives a writable copy of a
 * block, in place only when the block was itself created in this transaction and nobody else
 * references it. {@link #commit} alone decides the order in which a transaction reaches the device,
 * so that a crash at any write or sync leaves the previous transaction or the new one, whole;
 * {@link #abort} forgets it.
 */
public final class TransactionManager {
  private final BlockManager blocks;
  private SpaceMap metadataSpaceMap;
  private final LongHashSet shadowed = new LongHashSet();

  public TransactionManager(BlockManager blocks) {
    this.blocks = blocks;
  }

  /** Sets the metadata space map (created after the manager: it allocates through it). */
  public void setMetadataSpaceMap(SpaceMap sm) {
    this.metadataSpaceMap = sm;
  }

  public SpaceMap metadataSpaceMap() {
    return metadataSpaceMap;
  }

  public BlockManager blockManager() {
    return blocks;
  }

  /** A new zero-filled block with count 1. */
  public WriteBlock newBlock(BlockType type) throws IOException {
    long b = metadataSpaceMap.newBlock();
    shadowed.add(b);
    return blocks.zero(b, type);
  }

  public ReadBlock read(long blockNr, BlockType type) throws IOException {
    return blocks.read(blockNr, type);
  }

  /**
   * A writable version of {@code blockNr}. If the result's {@link Shadow#incChildren()} is true the
   * original was shared, and the caller must increment the reference count of everything the copy
   * points at (its children or the data blocks it maps).
   */
  public Shadow shadow(long blockNr, BlockType type) throws IOException {
    long count = metadataSpaceMap.refCount(blockNr);
    if (count == 0) {
      throw new AssertionError("shadowing free block " + blockNr);
    }
    if (count == 1 && shadowed.contains(blockNr)) {
      return new Shadow(blocks.write(blockNr, type), false);
    }
    byte[] copy = new byte[MetadataBlock.SIZE_BYTES];
    try (ReadBlock old = blocks.read(blockNr, type)) {
      old.copyTo(copy);
    }
    WriteBlock fresh = newBlock(type);
    fresh.copyFrom(copy);
    fresh.putU64(MetadataBlock.OFFSET_BLOCKNR, fresh.blockNr());
    metadataSpaceMap.dec(blockNr);
    return new Shadow(fresh, count > 1);
  }

  /** True if the block was allocated or shadowed in the open transaction. */
  public boolean isShadowed(long blockNr) {
    return shadowed.contains(blockNr);
  }

  public void inc(long blockNr) throws IOException {
    metadataSpaceMap.inc(blockNr);
  }

  public void dec(long blockNr) throws IOException {
    metadataSpaceMap.dec(blockNr);
  }

  public long refCount(long blockNr) throws IOException {
    return metadataSpaceMap.refCount(blockNr);
  }

  /**
   * Commits the open transaction (the kernel's {@code dm_tm_pre_commit} then {@code
   * dm_tm_commit(superblock)}). The order is the crash-safety argument, step by step:
   *
   * <ol>
   *   <li>pre-commit: each of {@code dataSpaceMaps} is flushed, then the metadata space map.
   *       Flushing allocates metadata blocks, which changes the metadata space map, so it goes last
   *       and settles its own allocations itself ({@link SpaceMap#flush});
   *   <li>every dirty block is written and the device synced: the new trees and space maps are
   *       durable, but nothing points at them yet;
   *   <li>{@code superblock} is asked for its image (every root is final now), block 0 is written
   *       and the device synced: the commit point. The block manager refuses it while a block is
   *       still dirty;
   *   <li>every block becomes committed state: shadowing copies again, and the space maps may hand
   *       out the blocks the previous transaction freed ({@link SpaceMap#committed}).
   * </ol>
   *
   * <p>Whatever fails part-way, the superblock on the device still names the previous transaction,
   * whose blocks this commit never wrote.
   */
  public void commit(
      BlockType superblockType, SuperblockImage superblock, SpaceMap... dataSpaceMaps)
      throws IOException {
    for (SpaceMap sm : dataSpaceMaps) {
      sm.flush();
    }
    metadataSpaceMap.flush();
    blocks.flush();
    blocks.writeSuperblock(superblockType, superblock.encode());
    shadowed.clear();
    metadataSpaceMap.committed();
    for (SpaceMap sm : dataSpaceMaps) {
      sm.committed();
    }
  }

  /**
   * Forgets every change since the last commit: dirty blocks and the whole cache (the space maps
   * and trees above must be reloaded from the superblock).
   */
  public void abort() {
    blocks.dropDirty();
    blocks.clearCache();
    shadowed.clear();
  }

  /** The superblock's owner: fills in the superblock once every other block is final. */
  @FunctionalInterface
  public interface SuperblockImage {
    /** The 4096-byte image of block 0; the block manager sets its blocknr and checksum. */
    byte[] encode() throws IOException;
  }

  /** A block made writable by {@link #shadow}. */
  public record Shadow(WriteBlock block, boolean incChildren) {}
}

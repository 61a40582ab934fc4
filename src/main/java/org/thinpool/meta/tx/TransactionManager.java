package org.thinpool.meta.tx;

import java.io.IOException;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.meta.block.BlockType;
import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

/**
 * Copy-on-write transactions over metadata blocks (the kernel's dm_transaction_manager).
 *
 * <p>Contract: a block of the last committed state is never written. {@link #newBlock} hands out
 * a zeroed block that is free in the committed state; {@link #shadow} gives a writable copy of a
 * block, in place only when the block was itself created in this transaction and nobody else
 * references it. The commit itself (space maps, then all blocks, then the superblock last) is run
 * by the owner of the superblock through {@link BlockManager#flush} and {@link
 * BlockManager#writeSuperblock}, then {@link #endTransaction}.
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
   * A writable version of {@code blockNr}. If the result's {@link Shadow#incChildren()} is true
   * the original was shared, and the caller must increment the reference count of everything
   * the copy points at (its children or the data blocks it maps).
   */
  public Shadow shadow(long blockNr, BlockType type) throws IOException {
    long count = metadataSpaceMap.refCount(blockNr);
    if (count == 0) {
      throw new AssertionError("shadowing free block " + blockNr);
    }
    if (count == 1 && shadowed.contains(blockNr)) {
      return new Shadow(blocks.write(blockNr, type), false);
    }
    byte[] copy = new byte[org.thinpool.meta.block.MetadataBlock.SIZE_BYTES];
    try (ReadBlock old = blocks.read(blockNr, type)) {
      old.copyTo(copy);
    }
    WriteBlock fresh = newBlock(type);
    fresh.copyFrom(copy);
    fresh.putU64(8, fresh.blockNr());
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

  /** Called after the superblock was written: every block becomes committed state. */
  public void endTransaction() {
    shadowed.clear();
  }

  /** A block made writable by {@link #shadow}. */
  public record Shadow(WriteBlock block, boolean incChildren) {}
}

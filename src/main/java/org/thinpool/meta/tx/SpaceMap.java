package org.thinpool.meta.tx;

import java.io.IOException;

/**
 * Reference counts for the blocks of one device (metadata or data), as dm-thin's space maps keep
 * them: 2-bit counts in bitmaps plus an overflow tree for counts of 3 and more.
 *
 * <p>Contract kept by every implementation:
 *
 * <ul>
 *   <li>{@link #newBlock} only hands out a block whose count is zero now <em>and</em> was zero in
 *       the last committed transaction: a block freed in this transaction is not reused before the
 *       commit, so a crash never finds committed metadata pointing at overwritten blocks;
 *   <li>a count never goes below zero ({@link #dec} of a free block is an {@link AssertionError});
 *   <li>{@link #nrFree} + {@link #nrAllocated} == {@link #nrBlocks} at all times.
 * </ul>
 */
public interface SpaceMap {
  long nrBlocks();

  long nrFree();

  long nrAllocated();

  long refCount(long block) throws IOException;

  default boolean countIsMoreThanOne(long block) throws IOException {
    return refCount(block) > 1;
  }

  void inc(long block) throws IOException;

  void dec(long block) throws IOException;

  /** Allocates a free block and sets its count to 1. */
  long newBlock() throws IOException;

  /** Grows the map by {@code extraBlocks} free blocks. */
  void extend(long extraBlocks) throws IOException;

  /**
   * Writes the map's changes into metadata blocks (the first half of the kernel's {@code
   * dm_sm_commit}); only {@link TransactionManager#commit} calls it. Writing may allocate metadata
   * blocks: the metadata space map, flushed last, settles its own allocations before it returns, so
   * its written image counts every block of the transaction.
   */
  void flush() throws IOException;

  /**
   * The superblock that points at the flushed map is on the device: the current counts become the
   * committed ones, and blocks freed in the transaction may be handed out again.
   */
  void committed();
}

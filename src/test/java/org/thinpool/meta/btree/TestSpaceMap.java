package org.thinpool.meta.btree;

import java.util.BitSet;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.meta.tx.SpaceMap;

/**
 * An in-memory metadata space map for tests: exact counts in an array, the lowest allocatable block
 * first. Keeps the {@link SpaceMap} contract: a block is allocatable only if its count is zero now
 * and was zero at the last {@link #commit}. Block 0 (the superblock) is always in use.
 */
final class TestSpaceMap implements SpaceMap {
  private final long[] counts;
  private long[] committed;
  private final BitSet allocatable = new BitSet();
  private long allocated;

  /** Number of {@link #newBlock} calls so far. */
  long allocations;

  TestSpaceMap(int nrBlocks) {
    counts = new long[nrBlocks];
    counts[0] = 1;
    allocated = 1;
    commit();
  }

  /** The current counts become the committed state. */
  void commit() {
    committed = counts.clone();
    allocatable.clear();
    for (int b = 0; b < counts.length; b++) {
      if (counts[b] == 0) {
        allocatable.set(b);
      }
    }
  }

  @Override
  public long nrBlocks() {
    return counts.length;
  }

  @Override
  public long nrFree() {
    return counts.length - allocated;
  }

  @Override
  public long nrAllocated() {
    return allocated;
  }

  @Override
  public long refCount(long block) {
    return counts[index(block)];
  }

  @Override
  public void inc(long block) {
    int b = index(block);
    if (counts[b] == 0) {
      throw new AssertionError("inc of free block " + block);
    }
    counts[b]++;
  }

  @Override
  public void dec(long block) {
    int b = index(block);
    if (counts[b] == 0) {
      throw new AssertionError("dec of free block " + block);
    }
    if (--counts[b] == 0) {
      allocated--;
      if (committed[b] == 0) {
        allocatable.set(b);
      }
    }
  }

  @Override
  public long newBlock() throws OutOfSpaceException {
    int b = allocatable.nextSetBit(0);
    if (b < 0) {
      throw new OutOfSpaceException("test metadata space map is full");
    }
    allocatable.clear(b);
    allocations++;
    counts[b] = 1;
    allocated++;
    return b;
  }

  /** Nothing to write: the counts live in memory only. */
  @Override
  public void flush() {}

  @Override
  public void committed() {
    commit();
  }

  @Override
  public void extend(long extraBlocks) {
    throw new UnsupportedOperationException("fixed size");
  }

  private int index(long block) {
    if (block < 0 || block >= counts.length) {
      throw new AssertionError("block " + block + " beyond the space map");
    }
    return (int) block;
  }
}

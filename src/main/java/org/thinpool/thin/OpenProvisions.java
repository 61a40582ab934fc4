package org.thinpool.thin;

/**
 * The bookkeeping of {@link Provision}s for one {@link ThinMetadata}: how many are open (a commit
 * must see none) and how many aborts happened (an abort voids every provision made before it, since
 * the allocation it held was never committed).
 */
final class OpenProvisions {
  private int open;
  private long aborts;

  /** A new open provision of {@code dataBlock}, just allocated (count 1). */
  Provision open(long id, long vblock, long dataBlock, long source) {
    open++;
    return new Provision(id, vblock, dataBlock, source, aborts);
  }

  /**
   * Ends {@code p}; true if it still held its block (the caller maps or frees it), false if an
   * abort voided it.
   */
  boolean close(Provision p) {
    p.end();
    if (p.abortCount() != aborts) {
      return false;
    }
    open--;
    return true;
  }

  /** The transaction was aborted: every open provision is void. */
  void aborted() {
    aborts++;
    open = 0;
  }

  /** Fails unless every provision is closed: a commit would record unmapped allocations. */
  void checkNoneOpen() {
    if (open != 0) {
      throw new AssertionError(
          "commit with " + open + " data blocks allocated but neither mapped nor released");
    }
  }
}

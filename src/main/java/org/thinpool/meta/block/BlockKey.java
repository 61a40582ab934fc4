package org.thinpool.meta.block;

/**
 * A block number as a key of {@link BlockManager}'s cache. The cache keeps one mutable probe to
 * look blocks up (under its monitor), so a cache hit boxes nothing: a {@code Long} key would
 * allocate for every block number above 127 on every lookup, which is every mapped read of a pool
 * of any size. Keys stored in the cache are never changed.
 */
final class BlockKey {
  private long blockNr;

  BlockKey(long blockNr) {
    this.blockNr = blockNr;
  }

  /** Points this probe at {@code nr} and returns it; for lookups, never for stored keys. */
  BlockKey probe(long nr) {
    this.blockNr = nr;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlockKey k && k.blockNr == blockNr;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(blockNr);
  }

  @Override
  public String toString() {
    return Long.toString(blockNr);
  }
}

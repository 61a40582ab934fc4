package org.thinpool.meta.space;

/** Consecutive blocks [first, first + length) of a space map. */
public record Extent(long first, int length) {
  public Extent {
    if (first < 0 || length < 1) {
      throw new AssertionError("extent of " + length + " blocks at " + first);
    }
  }
}

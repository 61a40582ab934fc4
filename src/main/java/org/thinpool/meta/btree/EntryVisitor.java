package org.thinpool.meta.btree;

import java.io.IOException;

/** Receives the entries of a tree in ascending key order ({@link BTree#visit}). */
@FunctionalInterface
public interface EntryVisitor<V> {
  /** Returns false to stop the visit after this entry. */
  boolean visit(long key, V value) throws IOException;
}

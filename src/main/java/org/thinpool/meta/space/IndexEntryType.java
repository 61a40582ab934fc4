package org.thinpool.meta.space;

import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;
import org.thinpool.meta.btree.ValueType;

/** Value type of the data space map's index tree: {@link IndexEntry}, 16 bytes. */
final class IndexEntryType implements ValueType<IndexEntry> {
  static final IndexEntryType INSTANCE = new IndexEntryType();

  @Override
  public int sizeBytes() {
    return IndexEntry.SIZE_BYTES;
  }

  @Override
  public IndexEntry decode(ReadBlock node, int offset) {
    return IndexEntry.decode(node, offset);
  }

  @Override
  public void encode(WriteBlock node, int offset, IndexEntry v) {
    v.encode(node, offset);
  }
}

package org.thinpool.meta.btree;

import org.thinpool.meta.block.BlockType;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.block.ReadBlock;

/**
 * A private copy of a node's bytes, readable like a held block. Walks copy each node they visit,
 * so that no block stays held while a visitor or a value type runs.
 */
final class NodeImage implements ReadBlock {
  private final long blockNr;
  private final byte[] bytes;

  private NodeImage(long blockNr, byte[] bytes) {
    this.blockNr = blockNr;
    this.bytes = bytes;
  }

  static NodeImage copyOf(ReadBlock b) {
    byte[] copy = new byte[MetadataBlock.SIZE_BYTES];
    b.copyTo(copy);
    return new NodeImage(b.blockNr(), copy);
  }

  @Override
  public long blockNr() {
    return blockNr;
  }

  @Override
  public BlockType type() {
    return BlockType.BTREE_NODE;
  }

  @Override
  public long u64(int offset) {
    return MetadataBlock.u64(bytes, offset);
  }

  @Override
  public long u32(int offset) {
    return MetadataBlock.u32(bytes, offset);
  }

  @Override
  public void copyTo(byte[] dst) {
    System.arraycopy(bytes, 0, dst, 0, MetadataBlock.SIZE_BYTES);
  }

  @Override
  public void close() {}
}

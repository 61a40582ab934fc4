package org.thinpool.meta.block;

/**
 * The read side of a block's bytes, shared by a cached block ({@link MetadataBlock}) and a private
 * copy ({@link BlockImage}): integers are little-endian at byte offsets.
 */
abstract sealed class BlockBytes implements ReadBlock permits MetadataBlock, BlockImage {
  private final long blockNr;
  private final BlockType type;
  final byte[] data;

  BlockBytes(long blockNr, BlockType type, byte[] data) {
    if (data.length != MetadataBlock.SIZE_BYTES) {
      throw new AssertionError("a block is " + MetadataBlock.SIZE_BYTES + " bytes");
    }
    this.blockNr = blockNr;
    this.type = type;
    this.data = data;
  }

  @Override
  public final long blockNr() {
    return blockNr;
  }

  @Override
  public final BlockType type() {
    return type;
  }

  @Override
  public final long u64(int offset) {
    return MetadataBlock.u64(data, offset);
  }

  @Override
  public final long u32(int offset) {
    return MetadataBlock.u32(data, offset);
  }

  @Override
  public final void copyTo(byte[] dst) {
    System.arraycopy(data, 0, dst, 0, MetadataBlock.SIZE_BYTES);
  }
}

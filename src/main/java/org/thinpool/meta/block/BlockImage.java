package org.thinpool.meta.block;

/**
 * A private copy of a block's bytes, readable like a held block: walks copy each node they visit so
 * that no block stays held while a visitor runs, and checkers read raw bytes through the same
 * codecs as the tree code. Closing it does nothing.
 */
public final class BlockImage extends BlockBytes {
  private BlockImage(long blockNr, BlockType type, byte[] bytes) {
    super(blockNr, type, bytes);
  }

  /** A copy of {@code b}'s current bytes. */
  public static BlockImage copyOf(ReadBlock b) {
    byte[] copy = new byte[MetadataBlock.SIZE_BYTES];
    b.copyTo(copy);
    return new BlockImage(b.blockNr(), b.type(), copy);
  }

  /** A view of {@code bytes} (not copied: the caller must not change them while it is used). */
  public static BlockImage wrap(long blockNr, BlockType type, byte[] bytes) {
    return new BlockImage(blockNr, type, bytes);
  }

  @Override
  public void close() {}
}

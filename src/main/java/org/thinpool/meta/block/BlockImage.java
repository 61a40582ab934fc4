package org.thinpool.meta.block;

import java.util.Arrays;

/**
 * A private copy of a block's bytes, readable like a held block: walks copy each node they visit
 * so that no block stays held while a visitor runs, and checkers read raw bytes through the same
 * codecs as the tree code. Closing it does nothing.
 */
public final class BlockImage implements ReadBlock {
  private final long blockNr;
  private final BlockType type;
  private final byte[] bytes;

  private BlockImage(long blockNr, BlockType type, byte[] bytes) {
    if (bytes.length != MetadataBlock.SIZE_BYTES) {
      throw new AssertionError("a block image is " + MetadataBlock.SIZE_BYTES + " bytes");
    }
    this.blockNr = blockNr;
    this.type = type;
    this.bytes = bytes;
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
  public long blockNr() {
    return blockNr;
  }

  @Override
  public BlockType type() {
    return type;
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

  /** A copy of the bytes. */
  public byte[] toByteArray() {
    return Arrays.copyOf(bytes, bytes.length);
  }

  @Override
  public void close() {}
}

package org.thinpool.meta.block;

/**
 * A metadata block held for reading. Released with {@link #close()}; the bytes must not be used
 * afterwards. Offsets are byte offsets from the start of the block; integers are little-endian.
 */
public interface ReadBlock extends AutoCloseable {
  long blockNr();

  BlockType type();

  long u64(int offset);

  long u32(int offset);

  /** Copies the whole 4096-byte block into {@code dst}. */
  void copyTo(byte[] dst);

  @Override
  void close();
}

package org.thinpool.meta.block;

/**
 * A metadata block held for writing: one that is new or was shadowed in the current transaction,
 * never one that belongs to the committed state. The block manager sets its blocknr field and
 * checksum when it is written out.
 */
public interface WriteBlock extends ReadBlock {
  void putU64(int offset, long value);

  void putU32(int offset, long value);

  /** Overwrites the whole block with {@code src} (4096 bytes). */
  void copyFrom(byte[] src);

  /** Moves {@code length} bytes inside the block, like {@link System#arraycopy}. */
  void move(int fromOffset, int toOffset, int length);

  /** Zeroes {@code length} bytes from {@code offset}. */
  void zero(int offset, int length);
}

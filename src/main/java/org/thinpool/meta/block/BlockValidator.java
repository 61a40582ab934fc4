package org.thinpool.meta.block;

import org.thinpool.io.MetadataCorruptException;

/**
 * The checks a block type's owner makes of its own layout (the kernel's {@code
 * dm_block_validator}), handed to the block manager inside the {@link BlockType} the owner
 * declares: b-tree nodes by {@code meta.btree}, bitmap and index blocks by {@code meta.space}, the
 * superblock by {@code thin}.
 *
 * <p>Registration contract:
 *
 * <ul>
 *   <li>The block manager checks what every metadata block shares before calling {@link #check}: on
 *       a read, the checksum (bytes 0..3, with the type's salt) and the self location (bytes
 *       8..15); on a write, it sets the self location first and seals the checksum after. The
 *       validator never looks at those eight bytes' meaning again.
 *   <li>{@link #check} runs on every block read from the device, before any caller sees it, and on
 *       every block before it is written, so a bug that builds a bad block fails at the write, not
 *       at the next open.
 *   <li>It looks at this one block only: header sanity, sizes, sorted keys. Checks that need other
 *       blocks (a child's key range, reference counts) belong to the readers ({@code NodeCheck},
 *       {@code PoolCheck}).
 *   <li>It only reads, keeps no reference to the block after it returns, and reports a violation as
 *       {@link MetadataCorruptException} naming the block number and the type.
 * </ul>
 */
@FunctionalInterface
public interface BlockValidator {
  /** A type whose layout has nothing to check beyond the common header. */
  BlockValidator COMMON_ONLY = block -> {};

  void check(ReadBlock block) throws MetadataCorruptException;
}

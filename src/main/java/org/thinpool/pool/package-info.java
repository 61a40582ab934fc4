/**
 * The thin pool: thin devices with allocate-on-first-write, block-level copy-on-write snapshots and
 * discard, on a data file and a metadata file in one pool directory (loop mode). Does the data I/O,
 * the locking and the space policy; what is shared and how a block is provisioned is {@code
 * thin}'s. Serialises every metadata access ({@code thin.ThinMetadata} is not thread-safe: it is
 * reached only through a {@code LockedMetadata}, the value of holding the metadata lock) and keeps
 * the virtual sizes of thin devices beside the metadata. Guards the folder: one writer ({@code
 * PoolLock}), strict settings and sizes, create and restore that switch in whole, outputs that
 * never land on the pool's own files ({@link org.thinpool.pool.OutputFile}). Uses {@code thin} and
 * {@code io}.
 */
package org.thinpool.pool;

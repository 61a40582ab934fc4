/**
 * Copy-on-write transactions over metadata blocks, the space-map contract they allocate through,
 * and the commit order ({@link org.thinpool.meta.tx.TransactionManager#commit}: space maps, every
 * dirty block, sync, superblock, sync). Uses meta.block and io.
 */
package org.thinpool.meta.tx;

/**
 * Copy-on-write B+-trees in dm-thin's on-disk node format (spec section 3): the node codec ({@link
 * org.thinpool.meta.btree.BTreeNode}), the value types that say what a leaf value references
 * ({@link org.thinpool.meta.btree.ValueType}), and the tree operations of the kernel's
 * persistent-data btree ({@link org.thinpool.meta.btree.BTree}: lookup, insert, remove, range
 * removal, ordered visits and whole-tree deletion).
 *
 * <p>Every change shadows the path from the root through the transaction manager, so committed
 * blocks are never written and trees may share subtrees (snapshots). The package uses {@code
 * org.thinpool.io} (errors), {@code org.thinpool.meta.block} and {@code org.thinpool.meta.tx},
 * nothing above them.
 */
package org.thinpool.meta.btree;

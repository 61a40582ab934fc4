/**
 * The metadata and data space maps in the dm-thin on-disk format. Uses meta.btree, meta.tx,
 * meta.block, io.
 */
package org.thinpool.meta.space;

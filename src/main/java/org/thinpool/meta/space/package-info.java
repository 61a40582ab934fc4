/**
 * The metadata and data space maps in the dm-thin on-disk format, with the block types they own
 * (bitmap blocks in {@link org.thinpool.meta.space.Bitmaps}, the metadata index block in {@link
 * org.thinpool.meta.space.MetadataIndex}). Uses meta.btree, meta.tx, meta.block, io.
 */
package org.thinpool.meta.space;

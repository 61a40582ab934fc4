/**
 * The dm-thin metadata model: superblock, details tree, mapping tree, metadata snapshot, the lookup
 * of a block with its sharing ({@link org.thinpool.thin.BlockLookup}, decided here as
 * dm_thin_find_block decides it), provisioning and breaking sharing with a protocol that leaves the
 * metadata consistent on every failure path ({@link org.thinpool.thin.Provision}), and the logical
 * content of a pool as a stream ({@link org.thinpool.thin.RestoreSink}: dumped from the metadata by
 * {@link org.thinpool.thin.MetadataDumper}, built into new metadata by {@link
 * org.thinpool.thin.MetadataRestorer}). Formats and reports over that stream live in {@code
 * thin.xml} and {@code thin.check}. Uses the meta packages and io; refuses requests with {@link
 * org.thinpool.thin.MetadataStateException}.
 */
package org.thinpool.thin;

/**
 * dm-thin metadata: thin devices, mappings, superblock, metadata snapshot, checker, XML dump and
 * restore, thin_ls. Uses the meta packages and io.
 */
package org.thinpool.thin;

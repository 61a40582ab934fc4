/**
 * Metadata blocks: 4 KiB blocks with checksums validated on every read, a bounded cache. Uses io.
 */
package org.thinpool.meta.block;

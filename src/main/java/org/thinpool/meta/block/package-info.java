/**
 * Metadata blocks: 4 KiB blocks through a bounded cache, each read and write checked for what every
 * block shares (checksum with its type's salt, self location) and by the validator its type's owner
 * declares ({@link org.thinpool.meta.block.BlockValidator}). This package knows no block layout
 * beyond that common header. Uses io.
 */
package org.thinpool.meta.block;

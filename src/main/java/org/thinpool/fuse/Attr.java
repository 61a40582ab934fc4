package org.thinpool.fuse;

/**
 * The attributes of one inode as the kernel sees them (fuse_attr): the root directory or a device
 * file. {@code blockCount} counts 512-byte units, as {@code st_blocks} does.
 */
record Attr(
    long ino,
    long sizeBytes,
    long blockCount,
    long timeSeconds,
    int mode,
    int nlink,
    int uid,
    int gid,
    int blockSizeBytes) {}

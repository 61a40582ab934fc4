/**
 * Thin devices as regular files: one FUSE file system served by the pool's process ({@link
 * org.thinpool.fuse.DeviceFileSystem}), speaking the kernel's {@code /dev/fuse} protocol itself
 * through FFM (pure codecs {@code RequestCodec} and {@code ReplyCodec}; bytes in, records out), so
 * the kernel can loop-mount a device. Uses {@code pool} (and {@code io} for its error types); never
 * {@code nbd}, {@code snapshotter}, {@code server} or {@code cli}: the server adapts it to the
 * snapshotter's {@code DeviceFiles}.
 */
package org.thinpool.fuse;

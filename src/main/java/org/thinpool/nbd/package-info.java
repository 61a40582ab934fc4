/**
 * The NBD server's protocol: pure codecs ({@code OptionCodec}, {@code RequestCodec}, {@code
 * ReplyCodec}; bytes in, records out, every limit a named constant in {@code Nbd}), the handshake,
 * the per-connection transmission loop, and {@link org.thinpool.nbd.NbdServer}, which accepts
 * connections on TCP and Unix sockets and serves a pool's thin devices as exports ({@link
 * org.thinpool.nbd.Exports}). Uses {@code pool} (and {@code io} for its error types); never {@code
 * server} or {@code cli}.
 */
package org.thinpool.nbd;

/**
 * The daemon: {@link org.thinpool.server.ThinpoolServer} owns one open pool while it runs and hosts
 * {@link org.thinpool.server.Service}s on it (the NBD server today, the control socket, a
 * containerd snapshotter later), started in order and stopped in reverse; shutdown drains every
 * service, then commits and closes the pool. Uses {@code nbd} and {@code pool}; never {@code cli}.
 */
package org.thinpool.server;

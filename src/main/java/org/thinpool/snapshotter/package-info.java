/**
 * containerd's snapshotter on thin snapshots (issue 10): the snapshot records (key, thin device,
 * parent, kind, labels, times) kept crash-consistent with the pool's own transactions, the
 * Snapshots API operations with containerd's contract and typed errors ({@link
 * org.thinpool.snapshotter.Snapshotter}), containerd's list filters, and the gRPC adapter over the
 * stubs generated from containerd's {@code snapshots.proto}. Devices reach the kernel as files
 * through {@link org.thinpool.snapshotter.DeviceFiles}, which {@code server} implements. Uses
 * {@code pool}; never {@code nbd}, {@code server} or {@code cli}.
 */
package org.thinpool.snapshotter;

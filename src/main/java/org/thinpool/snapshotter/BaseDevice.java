package org.thinpool.snapshotter;

/** The thin device every snapshot without a parent starts from, formatted once with {@code fs}. */
record BaseDevice(long deviceId, FsType fs, long sizeBytes) {}

/**
 * Block I/O: devices (files, memory), native calls through FFM (hole punching, block-device ioctls,
 * O_EXCL opens, flock of a directory, OFD record locks), JDK file locks for readers, the typed
 * storage errors. Uses nothing of the project.
 */
package org.thinpool.io;

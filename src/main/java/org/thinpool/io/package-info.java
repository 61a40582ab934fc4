/**
 * Block I/O: devices (files, memory), native calls through FFM, the typed storage errors. Uses
 * nothing of the project.
 */
package org.thinpool.io;

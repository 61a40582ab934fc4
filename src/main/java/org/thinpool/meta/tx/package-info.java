/**
 * Copy-on-write transactions over metadata blocks and the space-map contract they allocate
 * through. Uses meta.block and io.
 */
package org.thinpool.meta.tx;

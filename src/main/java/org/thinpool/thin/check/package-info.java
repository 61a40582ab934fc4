/**
 * Reports over the metadata: {@link org.thinpool.thin.check.PoolCheck}, the full checker behind
 * {@code thinpool check} that decodes every block itself, and {@link
 * org.thinpool.thin.check.ThinLsReport}, what {@code thin_ls} prints, computed from the content
 * stream. Uses {@code thin} and below, never {@code thin.xml}.
 */
package org.thinpool.thin.check;

/**
 * The thinpool command line (picocli), one class per command; the only place errors become exit
 * codes. Uses everything below it.
 */
package org.thinpool.cli;

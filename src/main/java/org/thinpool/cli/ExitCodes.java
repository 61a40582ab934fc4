package org.thinpool.cli;

/** Process exit codes, the single place where errors become numbers. */
final class ExitCodes {
  static final int OK = 0;
  /** Operating error (corrupt metadata, I/O failure, out of space, bad state). */
  static final int ERROR = 1;
  /** Problems found by {@code check}. */
  static final int CHECK_FAILED = 1;
  /** Bad usage: picocli's own code. */
  static final int USAGE = 2;

  private ExitCodes() {}
}

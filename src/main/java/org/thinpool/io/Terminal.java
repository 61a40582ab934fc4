package org.thinpool.io;

/** Whether the process's standard streams are terminals ({@code isatty}, through FFM). */
public final class Terminal {
  private static final int STDERR_FD = 2;

  private Terminal() {}

  /** True if standard error is a terminal, where a progress bar may be drawn. */
  public static boolean stderrIsTerminal() {
    return NativeIo.isTerminal(STDERR_FD);
  }
}

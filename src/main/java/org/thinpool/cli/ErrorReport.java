package org.thinpool.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The one line a person reads for a failed command. Usage errors name the command and point at its
 * {@code --help}; operating errors name the pool folder (added when the message does not already)
 * and say what went wrong in words, never as a bare path or an exception class, which is what
 * {@code java.nio} exceptions carry as their message.
 */
final class ErrorReport {
  private ErrorReport() {}

  /** {@code thinpool thin create: missing ...; see `thinpool thin create --help`}. */
  static String usageLine(ParameterException ex) {
    CommandLine cl = ex.getCommandLine();
    String name = cl.getCommandSpec().qualifiedName();
    String what = oneLine(ex.getMessage());
    if (ex instanceof UnmatchedArgumentException u
        && !cl.getSubcommands().isEmpty()
        && !u.getUnmatched().isEmpty()
        && !u.getUnmatched().getFirst().startsWith("-")) {
      what = "unknown command '" + u.getUnmatched().getFirst() + "'";
    }
    return name + ": " + lowerFirst(what) + "; see `" + name + " --help`";
  }

  /**
   * {@code thinpool: pool DIR: what went wrong}, or null when {@code ex} is not an operating error
   * (a bug, to be reported with its stack trace).
   */
  static String errorLine(Throwable ex, Path poolDir) {
    Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
    String what;
    if (t instanceof FileSystemException fse) {
      what = describe(fse);
    } else if (t instanceof IOException || t instanceof IllegalArgumentException) {
      what = oneLine(t.getMessage());
    } else {
      return null;
    }
    String dir = poolDir.toString();
    boolean named = what.contains(dir) || what.contains(poolDir.toAbsolutePath().toString());
    return "thinpool: " + (named ? "" : "pool " + dir + ": ") + what;
  }

  /** {@code FILE: reason}, the words for what a file system exception only names. */
  static String describe(FileSystemException e) {
    String reason =
        switch (e) {
          case NoSuchFileException n -> "no such file or directory";
          case AccessDeniedException a -> "permission denied";
          case FileAlreadyExistsException f -> "already exists";
          case NotDirectoryException n -> "not a directory";
          case DirectoryNotEmptyException d -> "directory not empty";
          default -> e.getReason() != null ? lowerFirst(e.getReason()) : "file system error";
        };
    String files =
        e.getOtherFile() != null
            ? e.getFile() + " -> " + e.getOtherFile()
            : String.valueOf(e.getFile());
    return files + ": " + reason;
  }

  private static String oneLine(String message) {
    if (message == null || message.isBlank()) {
      return "failed (no reason given)";
    }
    return String.join("; ", message.strip().split("\\s*\\R\\s*"));
  }

  private static String lowerFirst(String s) {
    if (s.length() > 1
        && Character.isUpperCase(s.charAt(0))
        && !Character.isUpperCase(s.charAt(1))) {
      return s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
    }
    return s;
  }
}

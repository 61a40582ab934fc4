package org.thinpool.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What an image path of {@code import} or {@code export} names, as {@code dd} and {@code qemu-img}
 * users expect: {@code -} for standard input or output, a regular file (sparse-aware), a block
 * device (sized by the kernel, every byte written), or a stream (a named pipe or a character device
 * such as {@code /dev/null}: read or written once, in order).
 */
enum ImageKind {
  STDIO,
  REGULAR,
  MISSING,
  BLOCK_DEVICE,
  STREAM,
  DIRECTORY,
  OTHER;

  /** {@code st_mode}'s file type bits and the types we tell apart ({@code <sys/stat.h>}). */
  private static final int S_IFMT = 0170000;

  private static final int S_IFREG = 0100000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFIFO = 0010000;
  private static final int S_IFDIR = 0040000;

  static ImageKind of(Path path) throws IOException {
    if (path.toString().equals("-")) {
      return STDIO;
    }
    if (!Files.exists(path)) {
      return MISSING;
    }
    int mode = (Integer) Files.getAttribute(path, "unix:mode");
    return switch (mode & S_IFMT) {
      case S_IFREG -> REGULAR;
      case S_IFBLK -> BLOCK_DEVICE;
      case S_IFCHR, S_IFIFO -> STREAM;
      case S_IFDIR -> DIRECTORY;
      default -> OTHER;
    };
  }
}

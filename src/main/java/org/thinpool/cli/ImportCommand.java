package org.thinpool.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import org.thinpool.io.RawBlockDevice;
import org.thinpool.io.SparseFile;
import org.thinpool.pool.ThinDevice;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code thinpool import ID FILE [--offset N] [-q]}: copies a raw image into a thin device (see
 * {@link ImageImport}). FILE is a regular file (its holes are skipped unread), a block device, a
 * named pipe or character device, or {@code -} for standard input.
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description =
        "Copy a raw image into a thin device; all-zero blocks are not allocated and "
            + "holes of a sparse file are not read.")
final class ImportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "Thin id of an existing device.")
  long id;

  @Parameters(
      index = "1",
      paramLabel = "FILE",
      description =
          "Raw image to read: a file, a "
              + "block device, a named pipe or character device, or - for standard input.")
  Path file;

  @Option(
      names = "--offset",
      paramLabel = "N",
      converter = SizeConverter.class,
      description = "Byte offset in the device where the image starts (k/M/G/T). Default: 0.")
  long offsetBytes;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress bar (it is drawn only when " + "standard error is a terminal).")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    ImageKind kind = ImageKind.of(file);
    switch (kind) {
      case MISSING -> throw new IOException("cannot read image " + file + ": no such file");
      case DIRECTORY, OTHER ->
          throw new IOException(
              "cannot read image " + file + ": not a file, block device, pipe or character device");
      default -> {}
    }
    try (ThinPool pool = Main.openPool(spec)) {
      ThinDevice dev = pool.device(id);
      ImageImport copy =
          new ImageImport(
              dev, pool.dataBlockSizeBytes(), offsetBytes, file.toString(), progress(kind));
      try {
        copy(kind, copy);
      } catch (IOException | RuntimeException e) {
        // Nothing of a failed import is committed (closing the pool would commit it).
        try {
          pool.abandon("import of " + file + " failed");
        } catch (IOException x) {
          e.addSuppressed(x);
        }
        throw e;
      }
      pool.commit();
    }
    return ExitCodes.OK;
  }

  private void copy(ImageKind kind, ImageImport copy) throws IOException {
    switch (kind) {
      case REGULAR -> {
        try (SparseFile in = SparseFile.open(file)) {
          copy.fromSparseFile(in);
        }
      }
      case BLOCK_DEVICE -> {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
          copy.fromBlockDevice(in, RawBlockDevice.sizeBytesOf(file));
        }
      }
      case STDIO -> copy.fromStream(Channels.newChannel(System.in));
      default -> {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
          copy.fromStream(in);
        }
      }
    }
  }

  private Progress progress(ImageKind kind) throws IOException {
    long total =
        switch (kind) {
          case REGULAR -> Files.size(file);
          case BLOCK_DEVICE -> RawBlockDevice.sizeBytesOf(file);
          default -> -1;
        };
    return Progress.of(spec.commandLine().getErr(), "import", total, quiet);
  }

  static boolean isZero(ByteBuffer b) {
    int i = b.position();
    int end = b.limit();
    for (; i + Long.BYTES <= end; i += Long.BYTES) {
      if (b.getLong(i) != 0) {
        return false;
      }
    }
    for (; i < end; i++) {
      if (b.get(i) != 0) {
        return false;
      }
    }
    return true;
  }
}

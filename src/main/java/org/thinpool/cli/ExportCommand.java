package org.thinpool.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.thinpool.io.RawBlockDevice;
import org.thinpool.pool.OutputFile;
import org.thinpool.pool.ThinDevice;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code thinpool export ID FILE [-q]}: the device's bytes as a raw image of its virtual size. To a
 * regular file only provisioned blocks that hold something other than zeros are written; the rest
 * stay holes; the image is written beside FILE and renamed over it when whole (see {@link
 * OutputFile}); FILE is never one of the pool's own files. To {@code -} (standard output), a named
 * pipe, a character device or a block device every byte is written in order, zeros included (see
 * {@link ImageExport}).
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Write a thin device to a raw image: a file (sparse where it is unmapped), a "
            + "block device, a named pipe or character device, or - for standard output.")
final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "Thin id.")
  long id;

  @Parameters(
      index = "1",
      paramLabel = "FILE",
      description =
          "Image to write: a file "
              + "(replaced), a block device, a named pipe or character device, or - for standard "
              + "output.")
  Path file;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress bar (it is drawn only when " + "standard error is a terminal).")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    ImageKind kind = ImageKind.of(file);
    if (kind == ImageKind.DIRECTORY || kind == ImageKind.OTHER) {
      throw new IOException(
          "cannot write image " + file + ": not a file, block device, pipe or character device");
    }
    try (ThinPool pool = Main.openPool(spec)) {
      ThinDevice dev = pool.device(id);
      long bs = pool.dataBlockSizeBytes();
      Progress progress =
          Progress.of(spec.commandLine().getErr(), "export", dev.sizeBytes(), quiet);
      ImageExport export = new ImageExport(dev, bs, progress);
      if (kind == ImageKind.STDIO) {
        // Standard output stays open: every write goes straight to fd 1, nothing to close.
        export.streamTo(Channels.newChannel(new FileOutputStream(FileDescriptor.out)));
        return ExitCodes.OK;
      }
      try (OutputFile out = OutputFile.open(file, Main.pool(spec).dir())) {
        if (out.isRegularFile()) {
          writeSparse(dev, bs, out.channel(), progress);
        } else if (kind == ImageKind.BLOCK_DEVICE) {
          export.toBlockDevice(out.channel(), RawBlockDevice.sizeBytesOf(file), file.toString());
        } else {
          export.streamTo(out.channel());
        }
        out.commit();
      }
    }
    return ExitCodes.OK;
  }

  /** Only provisioned blocks that are not all zeros; the rest stay holes of a new file. */
  private static void writeSparse(ThinDevice dev, long bs, FileChannel out, Progress progress)
      throws IOException {
    long size = dev.sizeBytes();
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(bs, Integer.MAX_VALUE - 8));
    for (long vblock : dev.provisionedBlocks()) {
      long pos = vblock * bs;
      if (pos >= size) {
        break;
      }
      buf.clear().limit((int) Math.min(bs, size - pos));
      dev.read(pos, buf);
      buf.flip();
      progress.update(pos);
      if (ImportCommand.isZero(buf)) {
        continue;
      }
      while (buf.hasRemaining()) {
        out.write(buf, pos + buf.position());
      }
    }
    if (out.size() < size) {
      out.write(ByteBuffer.allocate(1), size - 1); // the file's length: a zero byte at its end
    }
    progress.finish(size);
  }
}

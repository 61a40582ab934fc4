package org.thinpool.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.thinpool.pool.OutputFile;
import org.thinpool.pool.ThinDevice;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code thinpool export ID FILE}: the device's bytes as a raw image of its virtual size. Only
 * provisioned blocks that hold something other than zeros are written; the rest stay holes. The
 * image is written beside FILE and renamed over it when whole (see {@link OutputFile}); FILE is
 * never one of the pool's own files.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Write a thin device to a raw image file, sparse where it is unmapped.")
final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "Thin id.")
  long id;

  @Parameters(index = "1", paramLabel = "FILE", description = "Image to write (replaced).")
  Path file;

  @Override
  public Integer call() throws Exception {
    try (ThinPool pool = Main.openPool(spec);
        OutputFile out = OutputFile.open(file, Main.pool(spec).dir())) {
      ThinDevice dev = pool.device(id);
      if (out.isRegularFile()) {
        writeSparse(dev, pool.dataBlockSizeBytes(), out.channel());
      } else {
        writeAll(dev, pool.dataBlockSizeBytes(), out.channel());
      }
      out.commit();
    }
    return ExitCodes.OK;
  }

  /** Only provisioned blocks that are not all zeros; the rest stay holes of a new file. */
  private static void writeSparse(ThinDevice dev, long bs, FileChannel out) throws IOException {
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
  }

  /** Every byte in order, for a device node or pipe that cannot be left sparse or sized. */
  private static void writeAll(ThinDevice dev, long bs, FileChannel out) throws IOException {
    long size = dev.sizeBytes();
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(bs, Integer.MAX_VALUE - 8));
    for (long pos = 0; pos < size; pos += buf.capacity()) {
      buf.clear().limit((int) Math.min(buf.capacity(), size - pos));
      dev.read(pos, buf);
      buf.flip();
      while (buf.hasRemaining()) {
        out.write(buf);
      }
    }
  }
}

package org.thinpool.cli;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.thinpool.pool.ThinDevice;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code thinpool export ID FILE}: the device's bytes as a raw image of its virtual size. Only
 * provisioned blocks that hold something other than zeros are written; the rest stay holes.
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
    try (ThinPool pool = ThinPool.open(Main.pool(spec).dir());
        RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      ThinDevice dev = pool.device(id);
      long size = dev.sizeBytes();
      long bs = pool.dataBlockSizeBytes();
      raf.setLength(0);
      FileChannel out = raf.getChannel();
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
      raf.setLength(size);
      out.force(true);
    }
    return ExitCodes.OK;
  }
}

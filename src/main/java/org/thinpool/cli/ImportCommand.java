package org.thinpool.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import org.thinpool.pool.ThinDevice;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code thinpool import ID FILE [--offset N]}: copies a raw image into a thin device, one virtual
 * block at a time. A piece of the image that is all zeros allocates nothing: where the device has
 * no block it is skipped, where it has one the range is written as zeros (write-zeroes).
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = "Copy a raw image into a thin device; all-zero blocks are not allocated.")
final class ImportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "Thin id of an existing device.")
  long id;

  @Parameters(index = "1", paramLabel = "FILE", description = "Raw image to read.")
  Path file;

  @Option(names = "--offset", paramLabel = "N", converter = SizeConverter.class,
      description = "Byte offset in the device where the image starts (k/M/G/T). Default: 0.")
  long offsetBytes;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new IOException("cannot read image " + file);
    }
    try (ThinPool pool = Main.openPool(spec);
        FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ThinDevice dev = pool.device(id);
      long length = in.size();
      if (offsetBytes < 0 || offsetBytes > dev.sizeBytes() - length) {
        throw new IOException("image " + file + " (" + length + " bytes) at offset "
            + offsetBytes + " does not fit thin device " + id + " (" + dev.sizeBytes()
            + " bytes)");
      }
      copy(in, length, dev, pool.dataBlockSizeBytes());
      pool.commit();
    }
    return ExitCodes.OK;
  }

  /** Copies in pieces that end on the device's virtual block boundaries. */
  private void copy(FileChannel in, long length, ThinDevice dev, long blockBytes)
      throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(blockBytes, Integer.MAX_VALUE - 8));
    long done = 0;
    while (done < length) {
      long pos = offsetBytes + done;
      int n = (int) Math.min(blockBytes - pos % blockBytes, length - done);
      buf.clear().limit(n);
      while (buf.hasRemaining()) {
        if (in.read(buf, done + buf.position()) < 0) {
          throw new IOException("image " + file + " shrank while it was imported");
        }
      }
      buf.flip();
      if (!isZero(buf)) {
        dev.write(pos, buf);
      } else if (dev.isMapped(pos / blockBytes)) {
        dev.writeZeroes(pos, n);
      }
      done += n;
    }
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

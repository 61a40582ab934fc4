package org.thinpool.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.thinpool.io.BlockDevice;
import org.thinpool.thin.MetadataDumper;
import org.thinpool.thin.ThinMetadata;
import org.thinpool.thin.xml.XmlDumpWriter;

/** Helpers to move metadata images between memory, files and XML. */
public final class Images {
  private Images() {}

  /** Writes a device's whole contents to a file (for the real tools). */
  public static void toFile(BlockDevice dev, Path file) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      long size = dev.sizeBytes();
      ByteBuffer buf = ByteBuffer.allocate(1 << 16);
      for (long off = 0; off < size; off += buf.capacity()) {
        buf.clear().limit((int) Math.min(buf.capacity(), size - off));
        dev.read(off, buf);
        buf.flip();
        while (buf.hasRemaining()) {
          ch.write(buf, off + buf.position());
        }
      }
    }
  }

  /** Our thin_dump XML of the live metadata. */
  public static String dump(ThinMetadata md) throws IOException {
    StringWriter out = new StringWriter();
    MetadataDumper.dump(md, new XmlDumpWriter(out));
    return out.toString();
  }
}

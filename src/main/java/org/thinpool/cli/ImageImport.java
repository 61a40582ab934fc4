package org.thinpool.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import org.thinpool.io.SparseFile;
import org.thinpool.pool.ThinDevice;

/**
 * Copies an image into a thin device, one piece per virtual block (pieces end on the device's block
 * boundaries). A piece of all zeros allocates nothing: where the device has no block it is skipped,
 * where it has one the range is written as zeros (write-zeroes). Three sources:
 *
 * <ul>
 *   <li>a regular file: only its data extents ({@code SEEK_DATA}/{@code SEEK_HOLE}), widened to
 *       whole device blocks, are read; a hole is never read, only zeroed where the device has
 *       blocks, so a sparse image costs time in proportion to its data;
 *   <li>a block device: every byte, read at positions;
 *   <li>a stream (stdin, a pipe, a character device): read once in order until its end; its length
 *       is known only then, so a stream longer than the device fails after writing the part that
 *       fits (nothing is committed, but blocks it overwrote in place stay so).
 * </ul>
 */
final class ImageImport {
  /** Reads at a position of the source, like {@link FileChannel#read(ByteBuffer, long)}. */
  private interface PositionalSource {
    int read(ByteBuffer dst, long positionBytes) throws IOException;
  }

  private final ThinDevice dev;
  private final long blockBytes;
  private final long offsetBytes;
  private final String source;
  private final Progress progress;
  private final ByteBuffer buf;
  private long[] provisioned;
  private long bytesRead;

  ImageImport(ThinDevice dev, long blockBytes, long offsetBytes, String source, Progress progress) {
    this.dev = dev;
    this.blockBytes = blockBytes;
    this.offsetBytes = offsetBytes;
    this.source = source;
    this.progress = progress;
    this.buf = ByteBuffer.allocate((int) Math.min(blockBytes, Integer.MAX_VALUE - 8));
  }

  /** Bytes read from the source so far. */
  long bytesRead() {
    return bytesRead;
  }

  /** Fails unless an image of {@code lengthBytes} fits the device at the offset. */
  void checkFits(long lengthBytes) throws IOException {
    long size = dev.sizeBytes();
    if (offsetBytes < 0 || offsetBytes > size || lengthBytes > size - offsetBytes) {
      throw new IOException(
          "image "
              + source
              + " ("
              + lengthBytes
              + " bytes) at offset "
              + offsetBytes
              + " does not fit thin device "
              + dev.id()
              + " ("
              + size
              + " bytes)");
    }
  }

  /** A regular file: its data extents only; holes are zeroed where the device has blocks. */
  void fromSparseFile(SparseFile in) throws IOException {
    long size = in.sizeBytes();
    checkFits(size);
    long pos = 0;
    while (pos < size) {
      long data = in.nextData(pos);
      long start = data < 0 ? size : Math.max(pos, alignDown(data));
      zeroHole(pos, start);
      if (start >= size) {
        break;
      }
      long end = Math.min(size, alignUp(in.nextHole(data)));
      copy(in::read, start, end);
      pos = end;
    }
    progress.finish(size);
  }

  /** A block device: every byte of its {@code sizeBytes}. */
  void fromBlockDevice(FileChannel in, long sizeBytes) throws IOException {
    checkFits(sizeBytes);
    copy(in::read, 0, sizeBytes);
    progress.finish(sizeBytes);
  }

  /** A stream, read in order until its end. */
  void fromStream(ReadableByteChannel in) throws IOException {
    checkFits(0);
    long room = dev.sizeBytes() - offsetBytes;
    long pos = 0;
    while (true) {
      int n = (int) (blockBytes - (offsetBytes + pos) % blockBytes);
      buf.clear().limit(n);
      while (buf.hasRemaining() && in.read(buf) >= 0) {
        // a pipe returns what it has; fill the piece or reach the end
      }
      if (buf.position() == 0) {
        break;
      }
      bytesRead += buf.position();
      if (buf.position() > room - pos) {
        throw new IOException(
            "image "
                + source
                + " is longer than thin device "
                + dev.id()
                + " ("
                + dev.sizeBytes()
                + " bytes) from offset "
                + offsetBytes);
      }
      buf.flip();
      int got = buf.remaining();
      apply(offsetBytes + pos);
      pos += got;
      progress.update(pos);
      if (got < n) {
        break;
      }
    }
    progress.finish(pos);
  }

  /** Copies image bytes [from, to), piece by piece. */
  private void copy(PositionalSource in, long from, long to) throws IOException {
    long pos = from;
    while (pos < to) {
      long devPos = offsetBytes + pos;
      int n = (int) Math.min(blockBytes - devPos % blockBytes, to - pos);
      buf.clear().limit(n);
      while (buf.hasRemaining()) {
        int r = in.read(buf, pos + buf.position());
        if (r < 0) {
          throw new IOException("image " + source + " shrank while it was imported");
        }
        bytesRead += r;
      }
      buf.flip();
      apply(devPos);
      pos += n;
      progress.update(pos);
    }
  }

  /** Writes the piece in {@code buf} at {@code devPos}, or zeroes it where it is mapped. */
  private void apply(long devPos) throws IOException {
    int n = buf.remaining();
    if (!ImportCommand.isZero(buf)) {
      dev.write(devPos, buf);
    } else if (dev.isMapped(devPos / blockBytes)) {
      dev.writeZeroes(devPos, n);
    }
  }

  /** Image bytes [from, to) are a hole: zero them where the device has blocks, read nothing. */
  private void zeroHole(long from, long to) throws IOException {
    if (from >= to) {
      return;
    }
    if (provisioned == null) {
      provisioned = dev.provisionedBlocks(); // blocks past `from` are not written by us yet
    }
    long a = offsetBytes + from;
    long b = offsetBytes + to;
    int i = Arrays.binarySearch(provisioned, a / blockBytes);
    for (i = i < 0 ? -i - 1 : i; i < provisioned.length && provisioned[i] * blockBytes < b; i++) {
      long lo = Math.max(a, provisioned[i] * blockBytes);
      long hi = Math.min(b, (provisioned[i] + 1) * blockBytes);
      if (dev.isMapped(provisioned[i])) {
        dev.writeZeroes(lo, hi - lo);
      }
    }
    progress.update(to);
  }

  /** The image offset of the device block boundary at or below image offset {@code x}. */
  private long alignDown(long x) {
    return (offsetBytes + x) / blockBytes * blockBytes - offsetBytes;
  }

  /** The image offset of the device block boundary at or above image offset {@code x}. */
  private long alignUp(long x) {
    return Math.ceilDiv(offsetBytes + x, blockBytes) * blockBytes - offsetBytes;
  }
}

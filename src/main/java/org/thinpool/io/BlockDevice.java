package org.thinpool.io;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A byte-addressed device: a file (loop mode) or a block device. Implementations must keep:
 *
 * <ul>
 *   <li>{@link #read} fills {@code dst} completely or throws; bytes never written read as zero;
 *   <li>{@link #write} is not durable until {@link #sync} returns;
 *   <li>{@link #sync} makes every write that returned before it durable;
 *   <li>{@link #discard} may release storage; on a file the range reads as zero afterwards, on a
 *       block device only if the device guarantees it (callers discard only unused ranges).
 * </ul>
 */
public interface BlockDevice extends AutoCloseable {
  long sizeBytes() throws IOException;

  void read(long offsetBytes, ByteBuffer dst) throws IOException;

  void write(long offsetBytes, ByteBuffer src) throws IOException;

  /**
   * Reads as {@link #read} does if that needs no wait for the storage (a file: the bytes are in the
   * page cache) and returns true; else returns false with {@code dst}'s position unchanged (its
   * bytes past the position may have changed). For callers that must not block, such as the thread
   * reading a connection's requests. This default cannot tell, and says false.
   */
  default boolean readIfCached(long offsetBytes, ByteBuffer dst) throws IOException {
    return false;
  }

  void sync() throws IOException;

  void discard(long offsetBytes, long lengthBytes) throws IOException;

  /**
   * Copies {@code lengthBytes} from {@code srcOffsetBytes} to {@code dstOffsetBytes} (the ranges do
   * not overlap), as a {@link #read} and a {@link #write} would: not durable until {@link #sync}. A
   * file does it in the kernel ({@code copy_file_range}); this default goes through a buffer.
   */
  default void copy(long srcOffsetBytes, long dstOffsetBytes, long lengthBytes) throws IOException {
    ByteBuffer b = ByteBuffer.allocate((int) Math.min(lengthBytes, COPY_BUFFER_BYTES));
    for (long done = 0; done < lengthBytes; done += b.limit()) {
      b.clear().limit((int) Math.min(b.capacity(), lengthBytes - done));
      read(srcOffsetBytes + done, b);
      write(dstOffsetBytes + done, b.flip());
    }
  }

  /** The buffer of the default {@link #copy}: 1 MiB, so a copy needs no more heap than that. */
  int COPY_BUFFER_BYTES = 1 << 20;

  /**
   * Reserves storage for the range ahead of the writes that will fill it, if the device can (a
   * file: {@code fallocate}, keeping its size); the range still reads as before. Returns false
   * where it cannot, which is no error: preallocation only makes the later writes cheaper.
   */
  default boolean preallocate(long offsetBytes, long lengthBytes) throws IOException {
    return false;
  }

  /**
   * True if the whole range is known to hold no data and so reads as zeros without being written: a
   * hole of a sparse file, or space reserved and never written. False where it may hold data or the
   * device cannot tell (this default, a block device): a caller writing part of a hole needs to
   * write only that part, anywhere else it must write what the rest should read as.
   */
  default boolean isHole(long offsetBytes, long lengthBytes) throws IOException {
    return false;
  }

  /** Grows the device (files only); never shrinks it. */
  void resize(long sizeBytes) throws IOException;

  @Override
  void close() throws IOException;
}

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

  void sync() throws IOException;

  void discard(long offsetBytes, long lengthBytes) throws IOException;

  /** Grows the device (files only); never shrinks it. */
  void resize(long sizeBytes) throws IOException;

  @Override
  void close() throws IOException;
}

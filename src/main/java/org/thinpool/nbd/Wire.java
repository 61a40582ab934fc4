package org.thinpool.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A connection's byte stream: whole reads, and whole replies written under one lock so that the
 * replies of concurrent requests never interleave inside a message.
 */
final class Wire {
  /** Bytes skipped per read when dropping an unwanted payload. */
  private static final int SKIP_BUFFER_BYTES = 64 << 10;

  private final ByteChannel in;
  private final GatheringByteChannel out;
  private final ReentrantLock writeLock = new ReentrantLock();

  <C extends ByteChannel & GatheringByteChannel> Wire(C channel) {
    this.in = channel;
    this.out = channel;
  }

  /** Fills {@code b}; EOF before the first byte or within it is an {@link EOFException}. */
  ByteBuffer readFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (in.read(b) < 0) {
        throw new EOFException("the client closed the connection");
      }
    }
    return b.flip();
  }

  ByteBuffer read(int bytes) throws IOException {
    return readFully(ByteBuffer.allocate(bytes));
  }

  void skip(long bytes) throws IOException {
    ByteBuffer b = ByteBuffer.allocate((int) Math.min(bytes, SKIP_BUFFER_BYTES));
    long left = bytes;
    while (left > 0) {
      b.clear().limit((int) Math.min(left, b.capacity()));
      readFully(b);
      left -= b.limit();
    }
  }

  /** Writes the buffers as one message: no other reply can come between them. */
  void write(ByteBuffer... buffers) throws IOException {
    writeLock.lock();
    try {
      long left = 0;
      for (ByteBuffer b : buffers) {
        left += b.remaining();
      }
      while (left > 0) {
        left -= out.write(buffers);
      }
    } finally {
      writeLock.unlock();
    }
  }
}

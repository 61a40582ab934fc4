package org.thinpool.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A connection's byte stream: whole reads through a receive buffer, and whole replies written under
 * one lock so that the replies of concurrent requests never interleave inside a message.
 *
 * <p>Reads go through a receive buffer: one {@code read} brings in whatever the client has sent,
 * often several requests with their payloads (fio at queue depth 8 sends eight 4 KiB writes back to
 * back), and the reader takes headers and payloads from it without a system call each. A read at
 * least as large as the buffer takes what the buffer holds and reads the rest straight into its
 * target; the read after it then takes one request header only, so that a stream of large writes (1
 * MiB each) is not copied through the buffer at all. The buffer is filled only when the reader
 * needs bytes it does not hold, so a reader that stops reading (back-pressure) stops the socket
 * too, with at most one buffer read ahead. During the handshake the buffer is a small heap one
 * ({@value #HANDSHAKE_BUFFER_BYTES} bytes), so a thousand clients that connect and never finish
 * cost little; transmission swaps in a direct one of {@value #RECEIVE_BUFFER_BYTES} bytes from the
 * payload buffers ({@link #bufferFrom}), given back at the end ({@link #release}). Only the
 * connection's one reader thread reads.
 */
final class Wire {
  /**
   * The receive buffer in transmission: many small requests, or a large payload's head, per read.
   */
  static final int RECEIVE_BUFFER_BYTES = 128 << 10;

  /** Replies of the reader held back to go out together: up to fifteen 4 KiB reads. */
  static final int HELD_BYTES = 64 << 10;

  /** The receive buffer during the handshake: its options are short. */
  static final int HANDSHAKE_BUFFER_BYTES = 1024;

  private final ByteChannel in;
  private final GatheringByteChannel out;
  private final ReentrantLock writeLock = new ReentrantLock();

  /** Bytes received and not yet taken, between position and limit (read mode). */
  private ByteBuffer received = ByteBuffer.allocate(HANDSHAKE_BUFFER_BYTES).flip();

  /** Where {@link #received} came from, while it is a transmission buffer. */
  private Buffers pool;

  /**
   * The next fill reads one request header only: after a large payload the next one is likely large
   * too, and its bytes are better read straight into its own buffer than copied through this one.
   */
  private boolean headerNext;

  /** The reader's replies not sent yet, from position 0 to position (write mode); or null. */
  private ByteBuffer held;

  <C extends ByteChannel & GatheringByteChannel> Wire(C channel) {
    this.in = channel;
    this.out = channel;
  }

  /** Fills {@code b}; EOF before the first byte or within it is an {@link EOFException}. */
  ByteBuffer readFully(ByteBuffer b) throws IOException {
    take(b);
    while (b.hasRemaining()) {
      if (b.remaining() >= received.capacity()) {
        if (in.read(b) < 0) { // the rest of a large payload: no copy through the buffer
          throw closed();
        }
        headerNext = true;
      } else {
        fill();
        take(b);
      }
    }
    return b.flip();
  }

  ByteBuffer read(int bytes) throws IOException {
    return readFully(ByteBuffer.allocate(bytes));
  }

  /** Drops the next {@code bytes} bytes of the stream (an unwanted payload or option). */
  void skip(long bytes) throws IOException {
    long left = bytes;
    while (true) {
      int n = (int) Math.min(left, received.remaining());
      received.position(received.position() + n);
      left -= n;
      if (left == 0) {
        return;
      }
      fill();
    }
  }

  /**
   * From now on reads go through a {@value #RECEIVE_BUFFER_BYTES}-byte buffer from {@code pool},
   * holding whatever the handshake's buffer had read ahead; {@link #release} gives it back.
   */
  void bufferFrom(Buffers pool) {
    ByteBuffer b = pool.take(RECEIVE_BUFFER_BYTES);
    received = b.put(received).flip();
    held = pool.take(HELD_BYTES);
    this.pool = pool;
  }

  /**
   * Gives the transmission buffers back, once nothing reads or replies from the reader any more.
   */
  void release() {
    if (pool != null) {
      pool.give(received);
      pool.give(held);
      received = ByteBuffer.allocate(0);
      held = null;
      pool = null;
    }
  }

  /**
   * The reader's reply to a request it served itself (reader thread only): held back, copied, to go
   * out with the next ones while the next request is already received, else written now (with any
   * held before it). The buffers may be reused once this returns.
   */
  void replyFromReader(ByteBuffer... reply) throws IOException {
    long bytes = 0;
    for (ByteBuffer b : reply) {
      bytes += b.remaining();
    }
    boolean more = received.remaining() >= Nbd.REQUEST_HEADER_BYTES;
    if (held == null || bytes > held.remaining() || (!more && held.position() == 0)) {
      flushHeld();
      write(reply);
      return;
    }
    for (ByteBuffer b : reply) {
      held.put(b.duplicate());
    }
    if (!more || !held.hasRemaining()) {
      flushHeld();
    }
  }

  /** Sends the reader's held replies, if any (before the reader waits for anything). */
  void flushHeld() throws IOException {
    if (held != null && held.position() > 0) {
      held.flip();
      try {
        write(held);
      } finally {
        held.clear();
      }
    }
  }

  /** Bytes of the reader's replies held back (tests). */
  int heldBytes() {
    return held == null ? 0 : held.position();
  }

  /** Bytes received and not yet read (tests). */
  int buffered() {
    return received.remaining();
  }

  /** Moves what the buffer holds, up to what {@code b} has room for, into {@code b}. */
  private void take(ByteBuffer b) {
    int n = Math.min(b.remaining(), received.remaining());
    if (n > 0) {
      b.put(b.position(), received, received.position(), n);
      b.position(b.position() + n);
      received.position(received.position() + n);
    }
  }

  /** Reads once into the (empty) buffer: at least one byte, or EOF. */
  private void fill() throws IOException {
    if (received.capacity() == 0) {
      throw new IllegalStateException("read after release");
    }
    flushHeld(); // the client may be waiting for them before it sends more
    received.clear();
    if (headerNext) {
      received.limit(Math.min(Nbd.REQUEST_HEADER_BYTES, received.capacity()));
      headerNext = false;
    }
    int n;
    try {
      n = in.read(received);
    } finally {
      received.flip();
    }
    if (n < 0) {
      throw closed();
    }
  }

  private static EOFException closed() {
    return new EOFException("the client closed the connection");
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

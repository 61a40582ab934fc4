package org.thinpool.nbd;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct buffers for READ and WRITE payloads, reused across requests: a request's buffer goes back
 * here once its reply is sent (READ) or its data written (WRITE), so a steady stream of requests
 * makes no garbage, and the socket and the data file move bytes from and to native memory without
 * the JDK's copy through a temporary direct buffer that a heap buffer costs on every call.
 *
 * <p>Buffers come in power-of-two classes from {@value #MIN_CLASS_BYTES} bytes to the protocol's
 * largest payload. All direct buffers this pool ever made, in use or kept, total at most {@code
 * maxDirectBytes}; a request that would pass that limit first makes room by dropping kept buffers
 * of other classes, and if the buffers in use already fill it, gets a plain heap buffer (garbage,
 * but bounded: the server's byte budget bounds requests in flight). So direct memory stays bounded
 * whatever the clients send, below the JVM's default direct limit (the heap size) at -Xmx256m.
 */
final class Buffers {
  /** The smallest class: one page; smaller payloads share it. */
  static final int MIN_CLASS_BYTES = 4096;

  private static final int MIN_SHIFT = Integer.numberOfTrailingZeros(MIN_CLASS_BYTES);

  /** Classes up to the largest payload a request may carry. */
  static final int CLASSES = Integer.numberOfTrailingZeros(Nbd.MAX_PAYLOAD_BYTES) - MIN_SHIFT + 1;

  /**
   * The server's shared pool: 64 MiB of direct buffers, e.g. 64 requests of 1 MiB in flight, or two
   * of the largest; beyond that requests still run, on heap buffers.
   */
  static final Buffers SHARED = new Buffers(64 << 20);

  private final long maxDirectBytes;
  private final AtomicLong directBytes = new AtomicLong();

  /** Kept buffers by class, most recently given first. */
  private final List<ConcurrentLinkedDeque<ByteBuffer>> kept = new ArrayList<>(CLASSES);

  Buffers(long maxDirectBytes) {
    this.maxDirectBytes = maxDirectBytes;
    for (int i = 0; i < CLASSES; i++) {
      kept.add(new ConcurrentLinkedDeque<>());
    }
  }

  /** The class index of a buffer holding {@code bytes}. */
  static int classOf(int bytes) {
    if (bytes < 0 || bytes > Nbd.MAX_PAYLOAD_BYTES) {
      throw new AssertionError("payload of " + bytes + " bytes");
    }
    int shift = 32 - Integer.numberOfLeadingZeros(Math.max(bytes, 1) - 1);
    return Math.max(0, shift - MIN_SHIFT);
  }

  private static int classBytes(int c) {
    return MIN_CLASS_BYTES << c;
  }

  /** A buffer with position 0 and limit {@code bytes}; give it back with {@link #give}. */
  ByteBuffer take(int bytes) {
    int c = classOf(bytes);
    ByteBuffer b = kept.get(c).pollFirst();
    if (b == null) {
      b = allocate(c);
      if (b == null) {
        return ByteBuffer.allocate(bytes);
      }
    }
    return b.clear().limit(bytes);
  }

  /** A new direct buffer of class {@code c}, or null if the limit leaves no room for it. */
  private ByteBuffer allocate(int c) {
    long size = classBytes(c);
    while (true) {
      long now = directBytes.get();
      if (now + size <= maxDirectBytes) {
        if (directBytes.compareAndSet(now, now + size)) {
          return ByteBuffer.allocateDirect((int) size);
        }
      } else if (!dropOne(c)) {
        return null;
      }
    }
  }

  /** Drops one kept buffer of a class other than {@code c}, largest first; false if none. */
  private boolean dropOne(int c) {
    for (int i = CLASSES - 1; i >= 0; i--) {
      if (i == c) {
        continue;
      }
      ByteBuffer b = kept.get(i).pollLast();
      if (b != null) {
        directBytes.addAndGet(-b.capacity()); // the cleaner frees it once unreachable
        return true;
      }
    }
    return false;
  }

  /** Takes back a buffer from {@link #take}, once nothing reads or writes it any more. */
  void give(ByteBuffer b) {
    if (b.isDirect()) {
      kept.get(classOf(b.capacity())).offerFirst(b);
    }
  }

  /** Direct bytes made and not dropped (in use or kept), for tests. */
  long directBytes() {
    return directBytes.get();
  }
}

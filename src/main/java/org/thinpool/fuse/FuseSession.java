package org.thinpool.fuse;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reader threads of one mounted file system. Each thread owns a request buffer and a reply
 * buffer (allocated once, reused for every request), reads one request from {@code /dev/fuse},
 * answers it through the {@link RequestHandler} and writes the reply, so up to {@code threads}
 * requests are served in parallel (the kernel hands each request to one reader). A thread stops
 * when the kernel ends the connection (ENODEV: unmounted or aborted); the last one to stop closes
 * the device fd, so the fd number is never reused while a thread could still write to it.
 */
final class FuseSession {
  private static final System.Logger LOG = System.getLogger(FuseSession.class.getName());

  /** Reader threads: the kernel's loop worker and a few parallel users; more only cost memory. */
  static final int MAX_THREADS = 16;

  /** A reply holds the header and at most one 1 MiB read. */
  private static final int REPLY_BUFFER_BYTES = Fuse.OUT_HEADER_BYTES + Fuse.MAX_WRITE_BYTES;

  private final int fd;
  private final RequestHandler handler;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicInteger running = new AtomicInteger();

  FuseSession(int fd, RequestHandler handler) {
    this.fd = fd;
    this.handler = handler;
  }

  void start(int threadCount, String name) {
    if (threadCount < 1 || threadCount > MAX_THREADS) {
      throw new IllegalArgumentException(
          "FUSE reader threads must be 1.." + MAX_THREADS + ", not " + threadCount);
    }
    running.set(threadCount);
    for (int i = 0; i < threadCount; i++) {
      Thread t = Thread.ofPlatform().daemon().name(name + "-" + i).unstarted(this::serve);
      threads.add(t);
      t.start();
    }
  }

  /** Waits up to {@code timeoutMillis} for every reader to stop; true if they all did. */
  boolean awaitStopped(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    for (Thread t : threads) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !t.join(java.time.Duration.ofNanos(left))) {
        return false;
      }
    }
    return true;
  }

  private void serve() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment request = arena.allocate(Fuse.REQUEST_BUFFER_BYTES, Fuse.PAGE_BYTES);
      MemorySegment reply = arena.allocate(REPLY_BUFFER_BYTES, Fuse.PAGE_BYTES);
      MemorySegment callState = FuseNative.callState(arena);
      ByteBuffer in = request.asByteBuffer().order(ByteOrder.nativeOrder());
      ByteBuffer out = reply.asByteBuffer().order(ByteOrder.nativeOrder());
      while (serveOne(request, in, reply, out, callState)) {
        // next request
      }
    } catch (RuntimeException | Error e) {
      LOG.log(Level.ERROR, "FUSE reader thread failed", e);
    } finally {
      if (running.decrementAndGet() == 0) {
        FuseNative.close(fd);
      }
    }
  }

  /** Serves one request; false when the connection is gone. */
  private boolean serveOne(
      MemorySegment request,
      ByteBuffer in,
      MemorySegment reply,
      ByteBuffer out,
      MemorySegment callState) {
    FuseNative.Result r = FuseNative.read(fd, request, callState);
    if (r.failed()) {
      return switch (r.errno()) {
        case FuseNative.EINTR, FuseNative.EAGAIN, FuseNative.ENOENT -> true;
        case FuseNative.ENODEV -> false;
        default -> {
          LOG.log(Level.ERROR, "read of /dev/fuse failed: errno {0}", r.errno());
          yield false;
        }
      };
    }
    in.clear().limit((int) r.value());
    int len;
    try {
      len = handler.handle(RequestCodec.decode(in), out);
    } catch (FuseProtocolException e) {
      LOG.log(Level.ERROR, "bad FUSE request: {0}", e.getMessage());
      if (r.value() < Fuse.OUT_HEADER_BYTES) {
        return true;
      }
      len = ReplyCodec.error(out, in.order(ByteOrder.nativeOrder()).getLong(8), Fuse.EIO);
    }
    if (len == 0) {
      return true;
    }
    FuseNative.Result w = FuseNative.write(fd, reply.asSlice(0, len), callState);
    // ENOENT: the request was interrupted and abandoned meanwhile; the kernel drops the reply.
    return !(w.failed() && w.errno() == FuseNative.ENODEV);
  }
}

package org.thinpool.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;
import org.thinpool.pool.PoolStateException;

/**
 * One client connection: the handshake, then transmission. One reader (this thread) reads and
 * validates requests and WRITE payloads; each request then runs on its own virtual thread, so
 * requests in flight are served concurrently and answered in any order; replies go out whole
 * through {@link Wire} (the reader's own ones held back while more requests are already received,
 * to go out together, and sent before the reader waits for anything). A READ of up to 1 MiB whose
 * data is in the page cache is the exception: it is answered by the reader itself, which cannot
 * block on it, so a cached read costs no thread (and a 1 MiB one is read and sent by one core, its
 * bytes still in that core's cache); so is a WRITE of up to 1 MiB over blocks already mapped to the
 * device alone, or a first write inside one unmapped block while a data block is free, when no
 * other request holds them (a buffered write of whole pages, which waits only where the host
 * throttles every writer). Back-pressure: at most {@link #MAX_IN_FLIGHT} requests per connection
 * and the server's shared byte budget for READ/WRITE buffers; when either is spent the reader stops
 * reading the socket. DISC or EOF: requests in flight finish (their replies are sent while the
 * socket lasts), then the connection closes. While the server shuts down, requests still arriving
 * are answered ESHUTDOWN (a WRITE's payload read and dropped), so that the client sends DISC. Any
 * failure ends this connection only, and is kept for the metrics ({@link #error}).
 */
final class Connection implements Runnable {
  private static final System.Logger LOG = System.getLogger(Connection.class.getName());

  /** Requests served at once per connection: qemu uses 16, fio its iodepth, the kernel 128. */
  static final int MAX_IN_FLIGHT = 64;

  private final Wire wire;
  private final AutoCloseable socket;
  private final Exports exports;
  private final Semaphore byteBudget;
  private final BooleanSupplier shuttingDown;
  private final Runnable handshakeDone;
  private final NbdObserver observer;
  private final Semaphore slots = new Semaphore(MAX_IN_FLIGHT);

  private volatile NbdObserver.ConnectionError error;

  Connection(
      Wire wire,
      AutoCloseable socket,
      Exports exports,
      Semaphore byteBudget,
      BooleanSupplier shuttingDown,
      Runnable handshakeDone,
      NbdObserver observer) {
    this.observer = observer;
    this.wire = wire;
    this.socket = socket;
    this.exports = exports;
    this.byteBudget = byteBudget;
    this.shuttingDown = shuttingDown;
    this.handshakeDone = handshakeDone;
  }

  @Override
  public void run() {
    try {
      Optional<Handshake.Negotiated> n = new Handshake(wire, exports, shuttingDown).run();
      handshakeDone.run();
      if (n.isPresent()) {
        try (Exports.Attachment a = exports.attach(n.get().export())) {
          transmit(n.get());
        }
      }
    } catch (EOFException e) {
      error = NbdObserver.ConnectionError.DROPPED;
      LOG.log(Level.DEBUG, "client left: {0}", e.getMessage());
    } catch (ProtocolException e) {
      error = e.kind();
      LOG.log(Level.DEBUG, "protocol violation, connection closed: {0}", e.getMessage());
    } catch (IOException e) {
      error = NbdObserver.ConnectionError.DROPPED; // reset, or closed under us by a deadline
      LOG.log(Level.DEBUG, "connection closed: {0}", e.toString());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "connection failed: {0}", e.toString());
    } finally {
      handshakeDone.run();
      try {
        socket.close();
      } catch (Exception e) {
        LOG.log(Level.DEBUG, "close: {0}", e.toString());
      }
    }
  }

  private void transmit(Handshake.Negotiated n) throws IOException {
    Transmission t = new Transmission(wire, n.export(), n.structuredReplies(), observer);
    ByteBuffer header = ByteBuffer.allocate(Nbd.REQUEST_HEADER_BYTES); // decoded before reuse
    wire.bufferFrom(Buffers.SHARED);
    try {
      while (true) {
        Request r = RequestCodec.decode(wire.readFully(header.clear()), shape(n));
        if (r instanceof Request.Disc) {
          return;
        }
        if (shuttingDown.getAsBoolean()) {
          r = refusedForShutdown(r);
        }
        ByteBuffer payload = null;
        int budget = 0;
        if (r instanceof Request.Invalid inv && inv.payloadBytes() > 0) {
          wire.skip(inv.payloadBytes());
        } else if (r instanceof Request.Write w) {
          budget = acquireBudget(w.lengthBytes());
          payload = readPayload(w.lengthBytes(), budget);
          if (servedHere(t, w, payload, budget)) {
            continue;
          }
        } else if (r instanceof Request.Read rd) {
          budget = acquireBudget(rd.lengthBytes());
          if (servedHere(t, rd, budget)) {
            continue;
          }
        }
        dispatch(t, r, payload, budget);
      }
    } finally {
      try {
        wire.flushHeld(); // DISC or an error: what the reader answered still goes out
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "replies not sent: {0}", e.toString());
      }
      slots.acquireUninterruptibly(MAX_IN_FLIGHT); // every request in flight has finished
      wire.release();
    }
  }

  /** How the connection ended badly, if it did (EOF without DISC, a violation, a reset). */
  Optional<NbdObserver.ConnectionError> error() {
    return Optional.ofNullable(error);
  }

  /** Nothing new starts during a drain: the client learns why and sends DISC. */
  private static Request refusedForShutdown(Request r) {
    long payload =
        switch (r) {
          case Request.Write w -> w.lengthBytes();
          case Request.Invalid inv -> inv.payloadBytes();
          default -> 0;
        };
    return new Request.Invalid(r.cookie(), Nbd.ESHUTDOWN, "the server is shutting down", payload);
  }

  /** The WRITE's data, in a pooled buffer that {@link #dispatch} gives back once written. */
  private ByteBuffer readPayload(int lengthBytes, int budget) throws IOException {
    ByteBuffer b = Buffers.SHARED.take(lengthBytes);
    try {
      return wire.readFully(b);
    } catch (IOException e) {
      Buffers.SHARED.give(b);
      byteBudget.release(budget); // a client vanishing mid-write: the write never happens
      throw e;
    }
  }

  /** A cached READ answered on this thread ({@link Transmission#serveIfCached}). */
  private boolean servedHere(Transmission t, Request.Read r, int budget) throws IOException {
    boolean dispatch = false;
    try {
      dispatch = !t.serveIfCached(r);
      return !dispatch;
    } finally {
      if (!dispatch) { // answered, or the reply failed and the connection ends
        byteBudget.release(budget);
      }
    }
  }

  /** A WRITE that needs no wait answered on this thread ({@link Transmission#serveIfNoWait}). */
  private boolean servedHere(Transmission t, Request.Write w, ByteBuffer payload, int budget)
      throws IOException {
    boolean dispatch = false;
    try {
      dispatch = !t.serveIfNoWait(w, payload);
      return !dispatch;
    } finally {
      if (!dispatch) { // answered, or the reply failed and the connection ends
        Buffers.SHARED.give(payload);
        byteBudget.release(budget);
      }
    }
  }

  /** Runs the request on a request thread of its own. */
  private void dispatch(Transmission t, Request r, ByteBuffer payload, int budget)
      throws IOException {
    try {
      acquire(slots, 1);
    } catch (IOException e) {
      if (payload != null) {
        Buffers.SHARED.give(payload);
      }
      byteBudget.release(budget);
      throw e;
    }
    Thread.ofVirtual()
        .name("nbd-request")
        .start(
            () -> {
              try {
                t.serve(r, payload);
              } catch (IOException e) {
                LOG.log(Level.DEBUG, "reply not sent: {0}", e.toString());
              } finally {
                if (payload != null) {
                  Buffers.SHARED.give(payload);
                }
                byteBudget.release(budget);
                slots.release();
              }
            });
  }

  private int acquireBudget(int bytes) throws IOException {
    int n = Math.max(bytes, 1);
    acquire(byteBudget, n);
    return n;
  }

  /**
   * Takes {@code n} permits; if that means waiting, the reader's held replies go out first (the
   * client may be waiting for them), so an IOException means nothing was taken.
   */
  private void acquire(Semaphore s, int n) throws IOException {
    if (!s.tryAcquire(n)) {
      wire.flushHeld();
      s.acquireUninterruptibly(n);
    }
  }

  private RequestCodec.ExportShape shape(Handshake.Negotiated n) {
    long size;
    try {
      size = n.export().device().sizeBytes();
    } catch (PoolStateException e) {
      size = 0; // the device is gone: every request with a range fails
    }
    return new RequestCodec.ExportShape(
        size, n.export().readOnly(), n.structuredReplies(), n.allocationContext());
  }
}

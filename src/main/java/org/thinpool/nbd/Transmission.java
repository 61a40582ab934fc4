package org.thinpool.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.thinpool.pool.BlockRun;
import org.thinpool.pool.ThinDevice;

/**
 * Serves validated requests on one export: the policy between the codecs and the thin device.
 * Stateless across requests, so any number run at once. Successful non-READ commands get a simple
 * reply (allowed in both modes); READ gets data (simple) or OFFSET_DATA / OFFSET_HOLE chunks split
 * by provisioning (structured); errors of READ and BLOCK_STATUS in structured mode are ERROR chunks
 * with a message.
 */
final class Transmission {
  /** Zeroes written per call for WRITE_ZEROES with NO_HOLE. */
  private static final int ZERO_CHUNK_BYTES = 1 << 20;

  private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(ZERO_CHUNK_BYTES);

  /**
   * Structured READs up to this size go out as one data chunk, holes read as zeroes: finding the
   * holes costs a mapping-tree walk, more than the zeroes they would save on the wire.
   */
  private static final int SMALL_READ_BYTES = 64 << 10;

  /**
   * READs and WRITEs up to this size may be served on the reader ({@link #serveIfCached}, {@link
   * #serveIfNoWait}): 1 MiB, the benchmark's sequential requests (nbdcopy's 256 KiB fit too). A
   * larger one would hold up the connection's other requests for longer than the hand-off to a
   * request thread saves. Up to it, serving it here saves more than the wake-up: the bytes the
   * kernel just copied in are still in the CPU's cache when it copies them out (perf, 1 MiB reads:
   * the two copies took 0.32 ms of CPU per MiB with a hand-off between them, 0.23 ms in nbdkit,
   * whose threads do both back to back).
   */
  private static final int INLINE_BYTES = 1 << 20;

  /** The host's page: a write of whole pages never reads the old contents first. */
  private static final int PAGE_BYTES = 4096;

  private final Wire wire;
  private final ThinDevice device;
  private final long blockBytes;
  private final boolean structured;
  private final NbdObserver observer;

  Transmission(Wire wire, Export export, boolean structured, NbdObserver observer) {
    this.wire = wire;
    this.observer = observer;
    this.device = export.device();
    this.blockBytes = export.preferredBlockBytes();
    this.structured = structured;
  }

  /** Serves one request and writes its reply; fails only if the reply cannot be sent. */
  void serve(Request r, ByteBuffer payload) throws IOException {
    long start = System.nanoTime();
    // A READ's data buffer comes from the pool and goes back once the reply is on the wire.
    ByteBuffer data = r instanceof Request.Read rd ? Buffers.SHARED.take(rd.lengthBytes()) : null;
    try {
      ByteBuffer[] reply = reply(r, payload, data);
      observer.request(
          r.commandName(),
          r.affectedBytes(),
          System.nanoTime() - start,
          ReplyCodec.errorOf(reply[0]));
      wire.write(reply);
    } finally {
      if (data != null) {
        Buffers.SHARED.give(data);
      }
    }
  }

  /**
   * Serves a READ of at most {@value #INLINE_BYTES} bytes on the calling thread, the connection's
   * reader, if it needs no wait: its data in the host's page cache ({@link
   * ThinDevice#readIfCached}), sent as one reply (with structured replies, over {@value
   * #SMALL_READ_BYTES} bytes only if no block is a hole, which must go out as a hole chunk). True
   * if answered; false, having sent nothing, if it must be served like any request (it would wait,
   * or fails: the error reply comes from there). Serving a cached 4 KiB read here saves the wake-up
   * of another thread, a large part of its cost.
   */
  boolean serveIfCached(Request.Read r) throws IOException {
    if (r.lengthBytes() == 0 || r.lengthBytes() > INLINE_BYTES) {
      return false;
    }
    long start = System.nanoTime();
    ByteBuffer data = Buffers.SHARED.take(r.lengthBytes());
    try {
      try {
        boolean holes = !structured || r.lengthBytes() <= SMALL_READ_BYTES;
        if (!device.readIfCached(r.offsetBytes(), data, holes)) {
          return false;
        }
      } catch (IOException | IllegalArgumentException e) {
        return false;
      }
      observer.request(r.commandName(), r.affectedBytes(), System.nanoTime() - start, 0);
      wire.replyFromReader(whole(r, data));
      return true;
    } finally {
      Buffers.SHARED.give(data);
    }
  }

  /**
   * Serves a WRITE on the calling thread, the connection's reader, if it needs no wait ({@link
   * ThinDevice#writeIfNoWait}: an overwrite in place, or a first write inside one unmapped block):
   * not FUA, at most {@value #INLINE_BYTES} bytes, in whole pages (a partial page whose old
   * contents are not cached would be read from the disk first). True if answered; false, having
   * written and sent nothing ({@code payload} unchanged), if it must be served like any request (it
   * copies a shared block, spans new blocks, needs a lock another request holds, finds no free
   * block, or fails: the error reply comes from there). As for cached reads, the saved wake-up of
   * another thread is a large part of a 4 KiB write's cost.
   */
  boolean serveIfNoWait(Request.Write w, ByteBuffer payload) throws IOException {
    if (w.fua()
        || w.lengthBytes() == 0
        || w.lengthBytes() > INLINE_BYTES
        || (w.offsetBytes() | w.lengthBytes()) % PAGE_BYTES != 0) {
      return false;
    }
    long start = System.nanoTime();
    int position = payload.position();
    try {
      if (!device.writeIfNoWait(w.offsetBytes(), payload)) {
        return false;
      }
    } catch (IOException | IllegalArgumentException e) {
      payload.position(position); // a write may be redone: the request path retries it
      return false;
    }
    observer.request(w.commandName(), w.affectedBytes(), System.nanoTime() - start, 0);
    wire.replyFromReader(ok(w.cookie()));
    return true;
  }

  private ByteBuffer[] reply(Request r, ByteBuffer payload, ByteBuffer data) {
    ByteBuffer[] reply;
    try {
      reply =
          switch (r) {
            case Request.Read rd -> read(rd, data);
            case Request.Write w -> {
              device.write(w.offsetBytes(), payload, w.fua());
              yield ok(w.cookie());
            }
            case Request.Flush f -> {
              device.flush();
              yield ok(f.cookie());
            }
            case Request.Trim t -> {
              device.discard(t.offsetBytes(), t.lengthBytes());
              flushIf(t.fua());
              yield ok(t.cookie());
            }
            case Request.Cache c -> ok(c.cookie()); // a hint; reads need no warm-up here
            case Request.WriteZeroes z -> writeZeroes(z);
            case Request.BlockStatus b -> new ByteBuffer[] {blockStatus(b)};
            case Request.Invalid inv -> fail(inv.cookie(), inv.error(), inv.message());
            case Request.Disc d -> throw new AssertionError("DISC is handled by the reader");
          };
    } catch (IOException | IllegalArgumentException e) {
      reply =
          fail(r.cookie(), Errors.errno(e), e.getMessage() == null ? e.toString() : e.getMessage());
    }
    return reply;
  }

  private ByteBuffer[] writeZeroes(Request.WriteZeroes z) throws IOException {
    if (z.noHole()) {
      if (z.fastZero()) {
        // Provisioning zeroes costs as much as writing them: FAST_ZERO asks us to say so.
        return fail(z.cookie(), Nbd.ENOTSUP, "zeroing without holes is not faster than writing");
      }
      long pos = z.offsetBytes();
      long end = pos + z.lengthBytes();
      while (pos < end) {
        int n = (int) Math.min(end - pos, ZERO_CHUNK_BYTES);
        device.write(pos, ZEROES.duplicate().limit(n));
        pos += n;
      }
    } else {
      device.writeZeroes(z.offsetBytes(), z.lengthBytes());
    }
    flushIf(z.fua());
    return ok(z.cookie());
  }

  /**
   * The reply to a READ answered in one piece, {@code data} holding all its bytes: a simple reply,
   * or with structured replies one data chunk that ends the reply.
   */
  private ByteBuffer[] whole(Request.Read r, ByteBuffer data) {
    ByteBuffer header =
        structured
            ? ReplyCodec.offsetDataHeader(r.cookie(), true, r.offsetBytes(), r.lengthBytes())
            : ReplyCodec.simple(r.cookie(), 0);
    return new ByteBuffer[] {header, data.flip()};
  }

  /** {@code data}: a buffer of the read's length, position 0, for the reply's data. */
  private ByteBuffer[] read(Request.Read r, ByteBuffer data) throws IOException {
    if (!structured) {
      device.read(r.offsetBytes(), data);
      return whole(r, data);
    }
    if (r.lengthBytes() == 0) {
      return new ByteBuffer[] {ReplyCodec.none(r.cookie())};
    }
    if (r.dontFragment() || r.lengthBytes() <= SMALL_READ_BYTES) {
      device.read(r.offsetBytes(), data);
      return whole(r, data);
    }
    List<Segment> segments = segments(r.offsetBytes(), r.lengthBytes(), Integer.MAX_VALUE);
    List<ByteBuffer> out = new ArrayList<>();
    for (int i = 0; i < segments.size(); i++) {
      Segment s = segments.get(i);
      boolean done = i == segments.size() - 1;
      int len = (int) s.lengthBytes();
      if (s.mapped()) {
        ByteBuffer slice = data.slice((int) (s.offsetBytes() - r.offsetBytes()), len);
        device.read(s.offsetBytes(), slice.duplicate());
        out.add(ReplyCodec.offsetDataHeader(r.cookie(), done, s.offsetBytes(), len));
        out.add(slice);
      } else {
        out.add(ReplyCodec.hole(r.cookie(), done, s.offsetBytes(), len));
      }
    }
    return out.toArray(ByteBuffer[]::new); // every read succeeded before DONE goes out
  }

  private ByteBuffer blockStatus(Request.BlockStatus b) throws IOException {
    int max = b.reqOne() ? 1 : Nbd.MAX_EXTENTS;
    List<ReplyCodec.Extent> extents = new ArrayList<>();
    for (Segment s : segments(b.offsetBytes(), b.lengthBytes(), max)) {
      extents.add(
          new ReplyCodec.Extent(s.lengthBytes(), s.mapped() ? 0 : Nbd.STATE_HOLE | Nbd.STATE_ZERO));
    }
    return ReplyCodec.blockStatus(b.cookie(), Nbd.BASE_ALLOCATION_ID, extents);
  }

  /** A piece of a request's range, provisioned or not. */
  private record Segment(long offsetBytes, long lengthBytes, boolean mapped) {}

  /**
   * Splits [offset, offset + length) into alternating provisioned and unprovisioned segments, at
   * most {@code max} of them (the first ones; together they start at {@code offset}).
   */
  private List<Segment> segments(long offset, long length, int max) throws IOException {
    long end = offset + length;
    List<BlockRun> runs =
        device.mappedRuns(
            offset / blockBytes, (end + blockBytes - 1) / blockBytes, Math.max(1, max / 2 + 1));
    List<Segment> out = new ArrayList<>();
    long pos = offset;
    for (BlockRun run : runs) {
      long runStart = Math.max(run.beginBlock() * blockBytes, pos);
      long runEnd = Math.min(run.endBlock() * blockBytes, end);
      if (runStart > pos) {
        out.add(new Segment(pos, runStart - pos, false));
      }
      if (out.size() < max && runEnd > runStart) {
        out.add(new Segment(runStart, runEnd - runStart, true));
      }
      pos = runEnd;
      if (out.size() >= max) {
        return out.subList(0, max);
      }
    }
    if (pos < end) {
      out.add(new Segment(pos, end - pos, false));
    }
    return out.size() > max ? out.subList(0, max) : out;
  }

  private void flushIf(boolean fua) throws IOException {
    if (fua) {
      device.flush();
    }
  }

  private static ByteBuffer[] ok(long cookie) {
    return new ByteBuffer[] {ReplyCodec.simple(cookie, 0)};
  }

  /** Structured mode: an ERROR chunk (allowed for any command, needed for READ). */
  private ByteBuffer[] fail(long cookie, int error, String message) {
    return new ByteBuffer[] {
      structured ? ReplyCodec.error(cookie, error, message) : ReplyCodec.simple(cookie, error)
    };
  }
}

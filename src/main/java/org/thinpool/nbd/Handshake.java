package org.thinpool.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The fixed-newstyle handshake of one connection: greeting, client flags, then options until GO,
 * EXPORT_NAME or ABORT. Unknown options are skipped and answered ERR_UNSUP; malformed ones
 * ERR_INVALID; the connection is closed only where the protocol leaves no answer (bad magic,
 * unknown client flags, EXPORT_NAME of a missing export) or on abuse past the limits.
 */
final class Handshake {
  /** What the handshake settled: the export and the reply forms for transmission. */
  record Negotiated(Export export, boolean structuredReplies, boolean allocationContext) {}

  private final Wire wire;
  private final Exports exports;
  private final BooleanSupplier shuttingDown;
  private boolean fixedNewstyle;
  private boolean noZeroes;
  private boolean structured;

  /** The export whose base:allocation the last SET_META_CONTEXT selected, or null. */
  private String allocationFor;

  Handshake(Wire wire, Exports exports, BooleanSupplier shuttingDown) {
    this.wire = wire;
    this.exports = exports;
    this.shuttingDown = shuttingDown;
  }

  /** Runs the handshake; empty if the client aborted. */
  Optional<Negotiated> run() throws IOException {
    wire.write(OptionCodec.greeting());
    int flags = OptionCodec.decodeClientFlags(wire.read(4));
    fixedNewstyle = (flags & Nbd.CLIENT_FLAG_FIXED_NEWSTYLE) != 0;
    noZeroes = (flags & Nbd.CLIENT_FLAG_NO_ZEROES) != 0;
    for (int n = 0; n < Nbd.MAX_OPTIONS; n++) {
      OptionCodec.OptionHeader h =
          OptionCodec.decodeOptionHeader(wire.read(Nbd.OPTION_HEADER_BYTES));
      if (!fixedNewstyle && h.option() != Nbd.OPT_EXPORT_NAME) {
        throw new ProtocolException("option " + h.option() + " without fixed newstyle");
      }
      if (h.lengthBytes() > Nbd.MAX_OPTION_DATA_BYTES) {
        tooBig(h);
        continue;
      }
      ByteBuffer data = wire.read((int) h.lengthBytes());
      if (shuttingDown.getAsBoolean() && h.option() != Nbd.OPT_ABORT) {
        if (h.option() == Nbd.OPT_EXPORT_NAME) { // it has no error reply: closing is the answer
          throw new ProtocolException("EXPORT_NAME while the server shuts down");
        }
        wire.write(OptionCodec.error(h.option(), Nbd.REP_ERR_SHUTDOWN, "server shutting down"));
        continue;
      }
      try {
        Optional<Negotiated> done = option(h.option(), data);
        if (done != null) {
          return done;
        }
      } catch (InvalidOptionException e) {
        wire.write(OptionCodec.error(h.option(), Nbd.REP_ERR_INVALID, e.getMessage()));
      }
    }
    throw new ProtocolException("more than " + Nbd.MAX_OPTIONS + " options");
  }

  private void tooBig(OptionCodec.OptionHeader h) throws IOException {
    if (h.lengthBytes() > Nbd.MAX_SKIPPED_OPTION_BYTES) {
      throw new ProtocolException("option data of " + h.lengthBytes() + " bytes");
    }
    wire.skip(h.lengthBytes());
    wire.write(
        OptionCodec.error(
            h.option(),
            Nbd.REP_ERR_TOO_BIG,
            "option data over " + Nbd.MAX_OPTION_DATA_BYTES + " bytes"));
  }

  /** Answers one option: null to go on haggling, else the end of the handshake. */
  @SuppressWarnings("OptionalAssignedToNull")
  private Optional<Negotiated> option(int option, ByteBuffer data)
      throws IOException, InvalidOptionException {
    switch (option) {
      case Nbd.OPT_EXPORT_NAME -> {
        return Optional.of(exportName(OptionCodec.decodeExportName(data)));
      }
      case Nbd.OPT_ABORT -> {
        try {
          wire.write(OptionCodec.ack(option));
        } catch (IOException e) {
          // the client may close without reading the ACK
        }
        return Optional.empty();
      }
      case Nbd.OPT_GO, Nbd.OPT_INFO -> {
        return go(option, OptionCodec.decodeExportQuery(data));
      }
      case Nbd.OPT_LIST -> list(data);
      case Nbd.OPT_STARTTLS -> {
        requireEmpty(data);
        wire.write(OptionCodec.error(option, Nbd.REP_ERR_POLICY, "TLS is not available"));
      }
      case Nbd.OPT_STRUCTURED_REPLY -> {
        requireEmpty(data);
        structured = true;
        wire.write(OptionCodec.ack(option));
      }
      case Nbd.OPT_LIST_META_CONTEXT, Nbd.OPT_SET_META_CONTEXT -> metaContext(option, data);
      default ->
          wire.write(
              OptionCodec.error(
                  option, Nbd.REP_ERR_UNSUP, "option " + option + " is not supported"));
    }
    return null;
  }

  private Negotiated exportName(String name) throws IOException {
    Export e =
        exports
            .find(name)
            .orElseThrow(
                () -> new ProtocolException("EXPORT_NAME of unknown export '" + name + "'"));
    wire.write(
        OptionCodec.exportNameAnswer(e.device().sizeBytes(), transmissionFlags(e), !noZeroes));
    return negotiated(e);
  }

  private Optional<Negotiated> go(int option, OptionCodec.ExportQuery q) throws IOException {
    Optional<Export> found = exports.find(q.name());
    if (found.isEmpty()) {
      wire.write(
          OptionCodec.error(option, Nbd.REP_ERR_UNKNOWN, "export '" + q.name() + "' not present"));
      return null;
    }
    Export e = found.get();
    List<ByteBuffer> replies = new ArrayList<>();
    replies.add(OptionCodec.infoExport(option, e.device().sizeBytes(), transmissionFlags(e)));
    if (q.infoTypes().contains(Nbd.INFO_NAME)) {
      replies.add(OptionCodec.infoText(option, Nbd.INFO_NAME, e.name()));
    }
    if (q.infoTypes().contains(Nbd.INFO_DESCRIPTION)) {
      replies.add(OptionCodec.infoText(option, Nbd.INFO_DESCRIPTION, e.description()));
    }
    int preferred =
        Math.min(Math.max(e.preferredBlockBytes(), Nbd.MIN_BLOCK_BYTES), Nbd.MAX_PAYLOAD_BYTES);
    replies.add(
        OptionCodec.infoBlockSize(option, Nbd.MIN_BLOCK_BYTES, preferred, Nbd.MAX_PAYLOAD_BYTES));
    replies.add(OptionCodec.ack(option));
    wire.write(replies.toArray(ByteBuffer[]::new));
    return option == Nbd.OPT_GO ? Optional.of(negotiated(e)) : null;
  }

  private void list(ByteBuffer data) throws IOException, InvalidOptionException {
    requireEmpty(data);
    List<ByteBuffer> replies = new ArrayList<>();
    for (Export e : exports.list()) {
      replies.add(OptionCodec.server(e.name(), e.description()));
    }
    replies.add(OptionCodec.ack(Nbd.OPT_LIST));
    wire.write(replies.toArray(ByteBuffer[]::new));
  }

  private void metaContext(int option, ByteBuffer data) throws IOException, InvalidOptionException {
    boolean set = option == Nbd.OPT_SET_META_CONTEXT;
    if (set) {
      allocationFor = null; // SET replaces the selection even when it fails
    }
    if (!structured) {
      throw new InvalidOptionException("meta contexts need structured replies first");
    }
    OptionCodec.MetaContextQuery q = OptionCodec.decodeMetaContextQuery(data);
    Optional<Export> e = exports.find(q.name());
    if (e.isEmpty()) {
      wire.write(
          OptionCodec.error(option, Nbd.REP_ERR_UNKNOWN, "export '" + q.name() + "' not present"));
      return;
    }
    boolean match =
        set
            ? q.queries().contains(Nbd.BASE_ALLOCATION)
            : q.queries().isEmpty()
                || q.queries().stream()
                    .anyMatch(s -> s.equals(Nbd.BASE_ALLOCATION) || s.equals("base:"));
    if (match) {
      int id = set ? Nbd.BASE_ALLOCATION_ID : 0;
      wire.write(OptionCodec.metaContext(option, id, Nbd.BASE_ALLOCATION), OptionCodec.ack(option));
      if (set) {
        allocationFor = e.get().name();
      }
    } else {
      wire.write(OptionCodec.ack(option));
    }
  }

  private Negotiated negotiated(Export e) {
    return new Negotiated(e, structured, structured && e.name().equals(allocationFor));
  }

  /** Per the protocol's table: DF only with structured replies; writes only when writable. */
  int transmissionFlags(Export e) {
    int f =
        Nbd.TFLAG_HAS_FLAGS
            | Nbd.TFLAG_SEND_FLUSH
            | Nbd.TFLAG_SEND_FUA
            | Nbd.TFLAG_CAN_MULTI_CONN
            | Nbd.TFLAG_SEND_CACHE;
    f |=
        e.readOnly()
            ? Nbd.TFLAG_READ_ONLY
            : Nbd.TFLAG_SEND_TRIM | Nbd.TFLAG_SEND_WRITE_ZEROES | Nbd.TFLAG_SEND_FAST_ZERO;
    return structured ? f | Nbd.TFLAG_SEND_DF : f;
  }

  private static void requireEmpty(ByteBuffer data) throws InvalidOptionException {
    if (data.hasRemaining()) {
      throw new InvalidOptionException("this option takes no data");
    }
  }
}

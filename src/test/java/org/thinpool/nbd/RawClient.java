package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** A hand-driven NBD client for tests: sends exactly the bytes a test wants, hostile or not. */
final class RawClient implements AutoCloseable {
  final SocketChannel ch;

  RawClient(SocketAddress address) throws IOException {
    ch = SocketChannel.open(address);
  }

  static RawClient connect(InetSocketAddress address) throws IOException {
    return new RawClient(address);
  }

  /** Reads the greeting and sends client flags. */
  RawClient greet(int clientFlags) throws IOException {
    ByteBuffer g = read(18);
    assertThat(g.getLong()).isEqualTo(Nbd.INIT_PASSWD);
    assertThat(g.getLong()).isEqualTo(Nbd.IHAVEOPT);
    assertThat(g.getShort()).isEqualTo((short) 3);
    send(ByteBuffer.allocate(4).putInt(clientFlags).flip());
    return this;
  }

  RawClient greet() throws IOException {
    return greet(3);
  }

  void option(int option, ByteBuffer data) throws IOException {
    send(
        ByteBuffer.allocate(16)
            .putLong(Nbd.IHAVEOPT)
            .putInt(option)
            .putInt(data.remaining())
            .flip(),
        data);
  }

  /** One option reply: option, type, data. */
  record OptReply(int option, int type, ByteBuffer data) {}

  OptReply optionReply() throws IOException {
    ByteBuffer h = read(20);
    assertThat(h.getLong()).isEqualTo(Nbd.OPTION_REPLY_MAGIC);
    int option = h.getInt();
    int type = h.getInt();
    int len = h.getInt();
    return new OptReply(option, type, read(len));
  }

  static ByteBuffer exportQuery(String name, int... infos) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(6 + n.length + 2 * infos.length);
    b.putInt(n.length).put(n).putShort((short) infos.length);
    for (int i : infos) {
      b.putShort((short) i);
    }
    return b.flip();
  }

  static ByteBuffer metaQuery(String name, String... queries) {
    ByteBuffer b = ByteBuffer.allocate(1024);
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    b.putInt(n.length).put(n).putInt(queries.length);
    for (String q : queries) {
      byte[] qb = q.getBytes(StandardCharsets.UTF_8);
      b.putInt(qb.length).put(qb);
    }
    return b.flip();
  }

  /** Structured replies, base:allocation and GO on the export: ready for transmission. */
  RawClient go(String name, boolean structured) throws IOException {
    if (structured) {
      option(Nbd.OPT_STRUCTURED_REPLY, ByteBuffer.allocate(0));
      assertThat(optionReply().type()).isEqualTo(Nbd.REP_ACK);
      option(Nbd.OPT_SET_META_CONTEXT, metaQuery(name, "base:allocation"));
      assertThat(optionReply().type()).isEqualTo(Nbd.REP_META_CONTEXT);
      assertThat(optionReply().type()).isEqualTo(Nbd.REP_ACK);
    }
    option(Nbd.OPT_GO, exportQuery(name, Nbd.INFO_BLOCK_SIZE));
    OptReply r;
    do {
      r = optionReply();
    } while (r.type() == Nbd.REP_INFO);
    assertThat(r.type()).isEqualTo(Nbd.REP_ACK);
    return this;
  }

  void request(int flags, int type, long cookie, long offset, long length) throws IOException {
    send(header(flags, type, cookie, offset, length));
  }

  /** The same with the flags last, for readability where they matter. */
  void request(int zero, int type, long cookie, long offset, long length, int flags)
      throws IOException {
    send(header(zero | flags, type, cookie, offset, length));
  }

  static ByteBuffer header(int flags, int type, long cookie, long offset, long length) {
    return ByteBuffer.allocate(28)
        .putInt(Nbd.REQUEST_MAGIC)
        .putShort((short) flags)
        .putShort((short) type)
        .putLong(cookie)
        .putLong(offset)
        .putInt((int) length)
        .flip();
  }

  void write(long cookie, long offset, byte[] data, int flags) throws IOException {
    send(header(flags, Nbd.CMD_WRITE, cookie, offset, data.length), ByteBuffer.wrap(data));
  }

  /** A simple reply: error and cookie. */
  record Simple(int error, long cookie) {}

  Simple simpleReply() throws IOException {
    ByteBuffer h = read(16);
    assertThat(h.getInt()).isEqualTo(Nbd.SIMPLE_REPLY_MAGIC);
    return new Simple(h.getInt(), h.getLong());
  }

  /** A structured chunk or a simple reply (type -1), with its payload. */
  record Chunk(int flags, int type, long cookie, ByteBuffer payload, int error) {
    boolean done() {
      return type == -1 || (flags & 1) != 0;
    }
  }

  Chunk chunk() throws IOException {
    ByteBuffer m = read(4);
    int magic = m.getInt();
    if (magic == Nbd.SIMPLE_REPLY_MAGIC) {
      ByteBuffer h = read(12);
      int err = h.getInt();
      return new Chunk(0, -1, h.getLong(), ByteBuffer.allocate(0), err);
    }
    assertThat(magic).isEqualTo(Nbd.STRUCTURED_REPLY_MAGIC);
    ByteBuffer h = read(16);
    int flags = h.getShort() & 0xffff;
    int type = h.getShort() & 0xffff;
    long cookie = h.getLong();
    ByteBuffer p = read(h.getInt());
    int err = (type & 0x8000) != 0 ? p.getInt(0) : 0;
    return new Chunk(flags, type, cookie, p, err);
  }

  void send(ByteBuffer... bufs) throws IOException {
    long left = 0;
    for (ByteBuffer b : bufs) {
      left += b.remaining();
    }
    while (left > 0) {
      left -= ch.write(bufs);
    }
  }

  ByteBuffer read(int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        throw new java.io.EOFException("server closed after " + b.position() + " of " + n);
      }
    }
    return b.flip();
  }

  /** Reads {@code n} bytes as an array. */
  byte[] bytes(int n) throws IOException {
    ByteBuffer b = read(n);
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }

  /** True if the server closed the connection (EOF within the timeout). */
  boolean closedByServer() throws IOException {
    ch.socket().setSoTimeout(10_000);
    try (var in = ch.socket().getInputStream()) {
      return in.read() < 0;
    } catch (IOException e) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }
}

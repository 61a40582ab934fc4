package org.thinpool.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The control socket's protocol, version 1: one request, one response, then close. Pure codec.
 * Every frame is a u32 length then that many bytes; a string is a u32 length then UTF-8.
 *
 * <pre>
 * request   u32 version (1), string cwd, u32 argc, argc x string argument
 * response  u32 version (1), i32 exit code, string stdout, string stderr
 * </pre>
 *
 * <p>The request is the command line the user typed (plus the directory it was typed in, which
 * relative paths are resolved against), so a served pool runs exactly the CLI's commands.
 */
public final class ControlProtocol {
  public static final int VERSION = 1;

  /** A command line is small; anything larger is not from our client. */
  static final int MAX_REQUEST_BYTES = 1 << 20;

  static final int MAX_ARGS = 1024;

  /** Output is buffered whole; a dump of a large pool fits, a runaway does not. */
  static final int MAX_RESPONSE_BYTES = 256 << 20;

  private ControlProtocol() {}

  /** A command line to run on the served pool. */
  public record Request(Path cwd, List<String> args) {
    public Request {
      args = List.copyOf(args);
    }
  }

  /** What the command printed and its exit code. */
  public record Response(int exitCode, String stdout, String stderr) {}

  static byte[] encode(Request r) {
    List<byte[]> parts = new ArrayList<>();
    parts.add(utf8(r.cwd().toString()));
    for (String a : r.args()) {
      parts.add(utf8(a));
    }
    int len = 8 + parts.stream().mapToInt(p -> 4 + p.length).sum();
    ByteBuffer b = ByteBuffer.allocate(len).putInt(VERSION);
    put(b, parts.get(0)).putInt(r.args().size());
    for (byte[] p : parts.subList(1, parts.size())) {
      put(b, p);
    }
    return b.array();
  }

  static Request decodeRequest(ByteBuffer b) throws IOException {
    try {
      checkVersion(b.getInt());
      Path cwd = Path.of(string(b));
      int argc = b.getInt();
      if (argc < 0 || argc > MAX_ARGS) {
        throw new IOException("bad argument count " + argc);
      }
      List<String> args = new ArrayList<>(argc);
      for (int i = 0; i < argc; i++) {
        args.add(string(b));
      }
      if (b.hasRemaining()) {
        throw new IOException("trailing bytes in a control request");
      }
      return new Request(cwd, args);
    } catch (java.nio.BufferUnderflowException | java.nio.file.InvalidPathException e) {
      throw new IOException("malformed control request: " + e);
    }
  }

  static byte[] encode(Response r) {
    byte[] out = utf8(r.stdout());
    byte[] err = utf8(r.stderr());
    ByteBuffer b =
        ByteBuffer.allocate(16 + out.length + err.length).putInt(VERSION).putInt(r.exitCode());
    return put(put(b, out), err).array();
  }

  static Response decodeResponse(ByteBuffer b) throws IOException {
    try {
      checkVersion(b.getInt());
      return new Response(b.getInt(), string(b), string(b));
    } catch (java.nio.BufferUnderflowException e) {
      throw new IOException("malformed control response");
    }
  }

  static void writeFrame(OutputStream out, byte[] payload) throws IOException {
    out.write(ByteBuffer.allocate(4).putInt(payload.length).array());
    out.write(payload);
    out.flush();
  }

  static ByteBuffer readFrame(InputStream in, int maxBytes) throws IOException {
    int len = ByteBuffer.wrap(readN(in, 4)).getInt();
    if (len < 0 || len > maxBytes) {
      throw new IOException("control frame of " + Integer.toUnsignedString(len) + " bytes");
    }
    return ByteBuffer.wrap(readN(in, len));
  }

  private static byte[] readN(InputStream in, int n) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new EOFException("control connection closed early");
    }
    return b;
  }

  private static void checkVersion(int v) throws IOException {
    if (v != VERSION) {
      throw new IOException("control protocol version " + v + ", this server speaks " + VERSION);
    }
  }

  private static String string(ByteBuffer b) throws IOException {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw new IOException("string length " + n + " overruns the frame");
    }
    byte[] s = new byte[n];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }

  private static ByteBuffer put(ByteBuffer b, byte[] s) {
    return b.putInt(s.length).put(s);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

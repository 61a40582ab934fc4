package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The lines of one of the pool's small text files (pool.conf, sizes), read strictly: text that is
 * not UTF-8, a NUL byte or a last line without its newline (a truncated file) is refused with the
 * file and the line, never decoded into something else or read as a default.
 */
final class ConfigText {
  /** The files are a few KiB (sizes is rewritten at 64 KiB); anything far larger is not one. */
  static final long MAX_BYTES = 1L << 20;

  private ConfigText() {}

  /** The lines of {@code file} without their newlines. */
  static List<String> readLines(Path file, String what) throws IOException {
    byte[] bytes = readBounded(file, what);
    List<String> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        lines.add(decode(file, what, lines.size() + 1, Arrays.copyOfRange(bytes, start, i)));
        start = i + 1;
      }
    }
    if (start < bytes.length) {
      throw damaged(file, what, lines.size() + 1, "ends without a newline (truncated?)");
    }
    return lines;
  }

  static byte[] readBounded(Path file, String what) throws IOException {
    long size = Files.size(file);
    if (size > MAX_BYTES) {
      throw new PoolStateException(
          what
              + " "
              + file
              + " is damaged: "
              + size
              + " bytes, more than such a file ever holds ("
              + MAX_BYTES
              + ")");
    }
    return Files.readAllBytes(file);
  }

  private static String decode(Path file, String what, int lineNo, byte[] line)
      throws PoolStateException {
    for (byte b : line) {
      if (b == 0) {
        throw damaged(file, what, lineNo, "holds a NUL byte (a torn write?)");
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(line))
          .toString();
    } catch (CharacterCodingException e) {
      throw damaged(file, what, lineNo, "is not UTF-8 text");
    }
  }

  static PoolStateException damaged(Path file, String what, int lineNo, String why) {
    return new PoolStateException(what + " " + file + " is damaged: line " + lineNo + " " + why);
  }
}

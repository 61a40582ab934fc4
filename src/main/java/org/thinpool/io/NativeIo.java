package org.thinpool.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Native calls through the FFM API (no JNI): {@code fallocate(PUNCH_HOLE)} for loop-mode
 * discard. Where the call is not available the range is overwritten with zeros instead, which
 * keeps the read-as-zero contract but frees nothing.
 */
final class NativeIo {
  private static final int O_RDWR = 2;
  private static final int FALLOC_FL_KEEP_SIZE = 0x01;
  private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
  private static final MethodHandle OPEN;
  private static final MethodHandle CLOSE;
  private static final MethodHandle FALLOCATE;

  static {
    MethodHandle open = null;
    MethodHandle close = null;
    MethodHandle fallocate = null;
    try {
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      open =
          linker.downcallHandle(
              libc.find("open").orElseThrow(),
              FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
              Linker.Option.firstVariadicArg(2));
      close =
          linker.downcallHandle(
              libc.find("close").orElseThrow(),
              FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
      fallocate =
          linker.downcallHandle(
              libc.find("fallocate").orElseThrow(),
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_LONG));
    } catch (RuntimeException | LinkageError e) {
      open = null;
    }
    OPEN = open;
    CLOSE = close;
    FALLOCATE = fallocate;
  }

  private NativeIo() {}

  /** Punches a hole in the file (keeping its size), so the range reads as zero and frees space. */
  static void punchHole(FileChannel channel, Path path, long offsetBytes, long lengthBytes)
      throws IOException {
    if (lengthBytes <= 0) {
      return;
    }
    if (OPEN != null && tryPunch(path, offsetBytes, lengthBytes)) {
      return;
    }
    ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(lengthBytes, 1 << 20));
    long done = 0;
    while (done < lengthBytes) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), lengthBytes - done));
      while (zeros.hasRemaining()) {
        done += channel.write(zeros, offsetBytes + done);
      }
    }
  }

  private static boolean tryPunch(Path path, long offsetBytes, long lengthBytes)
      throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cpath = arena.allocateFrom(path.toAbsolutePath().toString());
      int fd = (int) OPEN.invokeExact(cpath, O_RDWR);
      if (fd < 0) {
        return false;
      }
      try {
        int rc =
            (int)
                FALLOCATE.invokeExact(
                    fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offsetBytes, lengthBytes);
        return rc == 0;
      } finally {
        int ignored = (int) CLOSE.invokeExact(fd);
        assert ignored == 0 || ignored != 0;
      }
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceIoException("fallocate(PUNCH_HOLE) on " + path + " failed", t);
    }
  }
}

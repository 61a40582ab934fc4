package org.thinpool.fuse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import org.thinpool.io.DeviceIoException;

/**
 * The system calls a FUSE server needs, through FFM: {@code open}/{@code read}/{@code write}/
 * {@code close} on {@code /dev/fuse} and {@code mount(2)}/{@code umount2(2)}. They live here, not
 * in {@code io}, because nothing else uses them. {@code read} and {@code write} go straight to the
 * system call: a {@code FileChannel} serialises its reads and writes on one lock, so a reader
 * blocked waiting for the next request would hold up every reply.
 */
// Restricted FFM calls (downcall handles) are this class's whole purpose.
@SuppressWarnings("restricted")
final class FuseNative {
  static final int EINTR = 4;
  static final int ENOENT = 2;
  static final int EAGAIN = 11;
  static final int EBUSY = 16;
  static final int EINVAL = 22;
  static final int ENODEV = 19;
  static final int ENOTCONN = 107;

  private static final int O_RDWR = 2;
  private static final int O_CLOEXEC = 0x80000;

  /** mount(2) flags: no set-uid programs and no device nodes through the FUSE files. */
  static final long MS_NOSUID = 2;

  static final long MS_NODEV = 4;

  /** umount2(2) flag: detach now, finish when the last user lets go (a lazy unmount). */
  static final int MNT_DETACH = 2;

  private static final MethodHandle OPEN;
  private static final MethodHandle READ;
  private static final MethodHandle WRITE;
  private static final MethodHandle CLOSE;
  private static final MethodHandle MOUNT;
  private static final MethodHandle UMOUNT2;
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  static {
    Linker.Option errno = Linker.Option.captureCallState("errno");
    OPEN =
        libc(
            "open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(2),
            errno);
    READ = libc("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), errno);
    WRITE = libc("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), errno);
    CLOSE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), errno);
    MOUNT =
        libc(
            "mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS),
            errno);
    UMOUNT2 = libc("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), errno);
  }

  private FuseNative() {}

  private static MethodHandle libc(
      String name, FunctionDescriptor signature, Linker.Option... options) {
    Linker linker = Linker.nativeLinker();
    return linker.downcallHandle(
        linker.defaultLookup().find(name).orElseThrow(), signature, options);
  }

  /** The result of a call that may fail: its value, or -1 and the errno. */
  record Result(long value, int errno) {
    boolean failed() {
      return value < 0;
    }
  }

  /** Opens {@code /dev/fuse} read-write (close-on-exec). */
  static int openDevice(Path device) throws DeviceIoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      MemorySegment cpath = arena.allocateFrom(device.toString());
      int fd = (int) OPEN.invokeExact(state, cpath, O_RDWR | O_CLOEXEC);
      if (fd < 0) {
        throw new DeviceIoException("cannot open " + device + ": errno " + errno(state));
      }
      return fd;
    } catch (DeviceIoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError("open downcall failed", t);
    }
  }

  /** One {@code read(2)} into {@code buf}; the kernel hands out one whole request per read. */
  static Result read(int fd, MemorySegment buf, MemorySegment state) {
    try {
      long n = (long) READ.invokeExact(state, fd, buf, buf.byteSize());
      return new Result(n, n < 0 ? errno(state) : 0);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError("read downcall failed", t);
    }
  }

  /** One {@code write(2)} of {@code buf}: a whole reply, which the kernel takes at once. */
  static Result write(int fd, MemorySegment buf, MemorySegment state) {
    try {
      long n = (long) WRITE.invokeExact(state, fd, buf, buf.byteSize());
      return new Result(n, n < 0 ? errno(state) : 0);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError("write downcall failed", t);
    }
  }

  static void close(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      int rc = (int) CLOSE.invokeExact(arena.allocate(CALL_STATE), fd);
      if (rc != 0) {
        throw new AssertionError("close of fd " + fd + " failed"); // fd was ours and open
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError("close downcall failed", t);
    }
  }

  /** {@code mount(source, target, type, flags, data)}; fails with the errno in the message. */
  static void mount(String source, Path target, String type, long flags, String data)
      throws DeviceIoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      int rc =
          (int)
              MOUNT.invokeExact(
                  state,
                  arena.allocateFrom(source),
                  arena.allocateFrom(target.toString()),
                  arena.allocateFrom(type),
                  flags,
                  arena.allocateFrom(data));
      if (rc != 0) {
        int e = errno(state);
        throw new DeviceIoException(
            "mount -t "
                + type
                + " on "
                + target
                + " failed: errno "
                + e
                + (e == 1 ? " (mounting a FUSE file system needs root here)" : ""));
      }
    } catch (DeviceIoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError("mount downcall failed", t);
    }
  }

  /** {@code umount2(target, flags)}: 0, or the errno. */
  static int umount2(Path target, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      int rc = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target.toString()), flags);
      return rc == 0 ? 0 : errno(state);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError("umount2 downcall failed", t);
    }
  }

  /** A per-thread buffer for the errno of {@link #read} and {@link #write}. */
  static MemorySegment callState(Arena arena) {
    return arena.allocate(CALL_STATE);
  }

  private static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }
}

package org.thinpool.io;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Native calls through the FFM API (no JNI): {@code fallocate(PUNCH_HOLE)} for loop-mode discard,
 * {@code lseek(SEEK_DATA/SEEK_HOLE)} to find a sparse file's data, {@code isatty}, and the
 * block-device ioctls {@code BLKGETSIZE64} and {@code BLKDISCARD} for direct mode. Where fallocate
 * is not available a punched range is overwritten with zeros instead, which keeps the read-as-zero
 * contract but frees nothing. The ioctls have no fallback: a block device that refuses them fails
 * with the errno in the message.
 */
// Restricted FFM calls (downcall handles) are this class's whole purpose; the launcher and the
// tests enable native access for them.
@SuppressWarnings("restricted")
final class NativeIo {
  static final int O_RDONLY = 0;
  static final int O_RDWR = 2;

  /** With a block device: an exclusive claim, refused (EBUSY) while mounted or claimed. */
  static final int O_EXCL = 0x80;

  static final int O_DIRECTORY = 0x10000;
  private static final int O_CLOEXEC = 0x80000;
  private static final int LOCK_EX = 2;
  private static final int LOCK_NB = 4;
  private static final int EWOULDBLOCK = 11;
  private static final int EACCES = 13;

  /** fcntl: set an open file description's record lock, without waiting (Linux 3.15+). */
  private static final int F_OFD_SETLK = 37;

  private static final short F_WRLCK = 1;

  /** {@code struct flock} on x86-64 and arm64: l_type, l_whence, l_start, l_len, l_pid. */
  private static final long FLOCK_STRUCT_BYTES = 32;

  private static final int EINTR = 4;
  static final int EBUSY = 16;
  private static final int FALLOC_FL_KEEP_SIZE = 0x01;
  private static final int FALLOC_FL_PUNCH_HOLE = 0x02;

  /** preadv2 flag: fail with EAGAIN rather than wait for the storage (data not in the cache). */
  private static final int RWF_NOWAIT = 0x08;

  private static final int EAGAIN = 11;
  private static final int EINVAL = 22;
  private static final int EOPNOTSUPP = 95;

  /** lseek whences: the next offset at or after the given one in data, or in a hole. */
  static final int SEEK_DATA = 3;

  static final int SEEK_HOLE = 4;

  /** lseek(SEEK_DATA) past the last data: "no such device or address". */
  static final int ENXIO = 6;

  /** No such system call (an old kernel): copy through user space instead. */
  static final int ENOSYS = 38;

  /** Full file system. */
  static final int ENOSPC = 28;

  /** {@code _IOR(0x12, 114, size_t)}: the device's size in bytes, as a u64. */
  private static final long BLKGETSIZE64 = 0x80081272L;

  /** {@code _IO(0x12, 119)}: discard {@code uint64_t range[2] = {start, length}} in bytes. */
  private static final long BLKDISCARD = 0x1277L;

  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  /*
   * One holder class per function, so a downcall handle is made on its first use only: each one
   * costs a stub class and method-handle forms generated at run time, which the AOT cache cannot
   * hold (15-40 ms of CPU each on a 2-core machine). A read-only command that only takes the
   * pool's reader lock links open, flock and close, not all seven. A handle is null where the
   * platform has no native linker or no such function.
   */
  private static final class Open {
    static final MethodHandle H =
        libc(
            "open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(2),
            Linker.Option.captureCallState("errno"));
  }

  private static final class Close {
    static final MethodHandle H = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }

  private static final class Flock {
    static final MethodHandle H =
        libc(
            "flock",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.captureCallState("errno"));
  }

  private static final class Fcntl {
    static final MethodHandle H =
        libc(
            "fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS),
            Linker.Option.firstVariadicArg(2),
            Linker.Option.captureCallState("errno"));
  }

  private static final class Fallocate {
    static final MethodHandle H =
        libc(
            "fallocate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
  }

  private static final class Ioctl {
    static final MethodHandle H =
        libc(
            "ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2),
            Linker.Option.captureCallState("errno"));
  }

  private static final class Lseek {
    static final MethodHandle H =
        libc(
            "lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT),
            Linker.Option.captureCallState("errno"));
  }

  private static final class Preadv2 {
    static final MethodHandle H =
        libc(
            "preadv2",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT),
            Linker.Option.captureCallState("errno"));
  }

  private static final class Isatty {
    static final MethodHandle H = libc("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }

  private static final class CopyFileRange {
    static final MethodHandle H =
        libc(
            "copy_file_range",
            FunctionDescriptor.of(
                JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT),
            Linker.Option.captureCallState("errno"));
  }

  private NativeIo() {}

  /** A downcall handle for the C library function {@code name}; null if it cannot be linked. */
  private static MethodHandle libc(
      String name, FunctionDescriptor signature, Linker.Option... options) {
    try {
      Linker linker = Linker.nativeLinker();
      return linker.downcallHandle(
          linker.defaultLookup().find(name).orElseThrow(), signature, options);
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

  /**
   * An fd for {@link #punchHole} on {@code path} (opened read-write), or -1 when the native calls
   * are missing or the open fails: then punching falls back to writing zeros.
   */
  static int openForPunch(Path path) {
    if (Open.H == null || Fallocate.H == null) {
      return -1;
    }
    try {
      return openFd(path, O_RDWR);
    } catch (DeviceIoException e) {
      return -1;
    }
  }

  /**
   * Punches a hole in the file (keeping its size) through {@code fd} from {@link #openForPunch}, so
   * the range reads as zero and frees space; where that is not possible ({@code fd} is -1 or
   * fallocate refuses) the range is overwritten with zeros through {@code channel}.
   */
  static void punchHole(FileChannel channel, int fd, Path path, long offsetBytes, long lengthBytes)
      throws IOException {
    if (lengthBytes <= 0) {
      return;
    }
    if (fd >= 0 && fallocatePunch(fd, path, offsetBytes, lengthBytes)) {
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

  private static boolean fallocatePunch(int fd, Path path, long offsetBytes, long lengthBytes)
      throws IOException {
    try {
      int rc =
          (int)
              Fallocate.H.invokeExact(
                  fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offsetBytes, lengthBytes);
      return rc == 0;
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceIoException("fallocate(PUNCH_HOLE) on " + path + " failed", t);
    }
  }

  /**
   * Links open, flock, fcntl and close now (what {@link DirectoryLock} and {@link
   * FileRecordLock#tryExclusive} call), so that a command can do it on another thread while it
   * parses its arguments. Idempotent; never fails.
   */
  static void linkLockCalls() {
    if (Open.H == null || Flock.H == null || Fcntl.H == null || Close.H == null) {
      return; // unavailable: tryLock says so when it is called
    }
  }

  /**
   * {@code fallocate(fd, FALLOC_FL_KEEP_SIZE, offset, length)}: reserves the file system's blocks
   * for the range (unwritten extents, reading as zeros) without changing the file's size. False
   * where it is not possible (no native call, a file system without fallocate, or no room left):
   * the caller goes on without, since preallocation only saves time.
   */
  static boolean preallocate(int fd, long offsetBytes, long lengthBytes) throws IOException {
    if (fd < 0 || Fallocate.H == null || lengthBytes <= 0) {
      return false;
    }
    try {
      return (int) Fallocate.H.invokeExact(fd, FALLOC_FL_KEEP_SIZE, offsetBytes, lengthBytes) == 0;
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceIoException("fallocate on fd " + fd + " failed", t);
    }
  }

  /**
   * {@code copy_file_range(fd, &src, fd, &dst, length, 0)} within one file: the kernel copies the
   * bytes (on XFS or btrfs by sharing the extents, a reflink; on ext4 page cache to page cache),
   * never through user space. Returns the bytes copied (may be fewer than asked, 0 at the end of
   * the file), or minus the errno.
   */
  static long copyFileRange(int fd, long srcOffsetBytes, long dstOffsetBytes, long lengthBytes)
      throws DeviceIoException {
    if (fd < 0 || CopyFileRange.H == null) {
      return -ENOSYS;
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      MemorySegment offsets = arena.allocate(ValueLayout.JAVA_LONG, 2);
      offsets.setAtIndex(ValueLayout.JAVA_LONG, 0, srcOffsetBytes);
      offsets.setAtIndex(ValueLayout.JAVA_LONG, 1, dstOffsetBytes);
      long n =
          (long)
              CopyFileRange.H.invokeExact(
                  state,
                  fd,
                  offsets,
                  fd,
                  offsets.asSlice(ValueLayout.JAVA_LONG.byteSize()),
                  lengthBytes,
                  0);
      return n >= 0 ? n : -errno(state);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceIoException("copy_file_range on fd " + fd + " failed", t);
    }
  }

  /** True when open can be linked (Linux with a C library); the others are checked on use. */
  static boolean available() {
    return Open.H != null;
  }

  /** {@code open(path, flags | O_CLOEXEC)}; fails with the errno. */
  static int openFd(Path path, int flags) throws DeviceIoException {
    requireAvailable(Open.H, path);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      MemorySegment cpath = arena.allocateFrom(path.toAbsolutePath().toString());
      int fd = (int) Open.H.invokeExact(state, cpath, flags | O_CLOEXEC);
      if (fd < 0) {
        int e = errno(state);
        throw new DeviceIoException(
            "cannot open "
                + path
                + ": errno "
                + e
                + (e == EBUSY
                    ? " (busy: mounted, in use by the kernel or opened exclusively by "
                        + "another process)"
                    : ""));
      }
      return fd;
    } catch (DeviceIoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceIoException("open of " + path + " failed", t);
    }
  }

  static void closeFd(int fd) throws DeviceIoException {
    if (Close.H == null) {
      throw new DeviceIoException("native close is not available for fd " + fd);
    }
    try {
      int rc = (int) Close.H.invokeExact(fd);
      if (rc != 0) {
        throw new DeviceIoException("close of fd " + fd + " failed");
      }
    } catch (DeviceIoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceIoException("close of fd " + fd + " failed", t);
    }
  }

  /** {@code ioctl(fd, BLKGETSIZE64)}: the block device's size in bytes. */
  static long blockDeviceSizeBytes(int fd, Path path) throws DeviceIoException {
    requireAvailable(Ioctl.H, path);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
      int rc = (int) Ioctl.H.invokeExact(state, fd, BLKGETSIZE64, size);
      if (rc != 0) {
        throw new DeviceIoException(
            "ioctl(BLKGETSIZE64) on "
                + path
                + " failed: errno "
                + errno(state)
                + " (not a block device?)");
      }
      return size.get(ValueLayout.JAVA_LONG, 0);
    } catch (DeviceIoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceIoException("ioctl(BLKGETSIZE64) on " + path + " failed", t);
    }
  }

  /** {@code ioctl(fd, BLKDISCARD, {offset, length})}; both must be multiples of 512. */
  static void blockDiscard(int fd, Path path, long offsetBytes, long lengthBytes)
      throws DeviceIoException {
    requireAvailable(Ioctl.H, path);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      MemorySegment range = arena.allocate(ValueLayout.JAVA_LONG, 2);
      range.setAtIndex(ValueLayout.JAVA_LONG, 0, offsetBytes);
      range.setAtIndex(ValueLayout.JAVA_LONG, 1, lengthBytes);
      int rc = (int) Ioctl.H.invokeExact(state, fd, BLKDISCARD, range);
      if (rc != 0) {
        throw new DeviceIoException(
            "ioctl(BLKDISCARD) of "
                + lengthBytes
                + " bytes at "
                + offsetBytes
                + " on "
                + path
                + " failed: errno "
                + errno(state));
      }
    } catch (DeviceIoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceIoException("ioctl(BLKDISCARD) on " + path + " failed", t);
    }
  }

  /**
   * {@code lseek(fd, offsetBytes, whence)} for {@link #SEEK_DATA} or {@link #SEEK_HOLE}: the offset
   * found, or -1 where there is no data at or after {@code offsetBytes} (ENXIO).
   */
  static long seek(int fd, Path path, long offsetBytes, int whence) throws DeviceIoException {
    requireAvailable(Lseek.H, path);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      long r = (long) Lseek.H.invokeExact(state, fd, offsetBytes, whence);
      if (r >= 0) {
        return r;
      }
      int errno = errno(state);
      if (errno == ENXIO) {
        return -1;
      }
      throw new DeviceIoException(
          "lseek("
              + (whence == SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE")
              + ") at "
              + offsetBytes
              + " in "
              + path
              + " failed: errno "
              + errno);
    } catch (DeviceIoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceIoException("lseek in " + path + " failed", t);
    }
  }

  /**
   * {@code preadv2(fd, {dst}, 1, offsetBytes, RWF_NOWAIT)} into the direct buffer {@code dst}: the
   * bytes read ({@code dst} advanced by them; 0 at the end of the file), or -1 where the read would
   * wait for the storage (EAGAIN: not in the page cache), or cannot be asked that way here (no
   * preadv2, a kernel or file system without RWF_NOWAIT, a heap buffer).
   */
  static int readNoWait(int fd, long offsetBytes, ByteBuffer dst) throws DeviceIoException {
    if (Preadv2.H == null || !dst.isDirect()) {
      return -1;
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      MemorySegment iov = arena.allocate(16, 8); // struct iovec { void *base; size_t len; }
      iov.set(JAVA_LONG, 0, MemorySegment.ofBuffer(dst).address());
      iov.set(JAVA_LONG, 8, dst.remaining());
      long r = (long) Preadv2.H.invokeExact(state, fd, iov, 1, offsetBytes, RWF_NOWAIT);
      if (r >= 0) {
        dst.position(dst.position() + (int) r);
        return (int) r;
      }
      int errno = errno(state);
      if (errno == EAGAIN || errno == EOPNOTSUPP || errno == EINVAL || errno == ENOSYS) {
        return -1;
      }
      throw new DeviceIoException("preadv2 at byte " + offsetBytes + " failed: errno " + errno);
    } catch (DeviceIoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceIoException("preadv2 failed", t);
    }
  }

  /** True if {@code fd} is a terminal; false where isatty is not available. */
  static boolean isTerminal(int fd) {
    if (Isatty.H == null) {
      return false;
    }
    try {
      return (int) Isatty.H.invokeExact(fd) == 1;
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      return false;
    }
  }

  /** A lock taken through a fresh fd: true if taken, false if held elsewhere. */
  @FunctionalInterface
  interface FdLock {
    boolean tryLock(int fd, Path path) throws DeviceIoException;
  }

  /**
   * Opens {@code path} with {@code flags} and takes {@code lock} through the new fd: the fd, which
   * holds the lock until it is closed, or -1 (the fd closed again) if the lock is held elsewhere.
   */
  static int openLocked(Path path, int flags, FdLock lock) throws DeviceIoException {
    int fd = openFd(path, flags);
    boolean taken;
    try {
      taken = lock.tryLock(fd, path);
    } catch (DeviceIoException | RuntimeException e) {
      closeFd(fd);
      throw e;
    }
    if (!taken) {
      closeFd(fd);
      return -1;
    }
    return fd;
  }

  /**
   * {@code flock(fd, LOCK_EX | LOCK_NB)}: true if taken, false if another open file description
   * holds a lock on the file (in this process or another); fails on other errors.
   */
  static boolean tryFlock(int fd, Path path) throws DeviceIoException {
    requireAvailable(Flock.H, path);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      while (true) {
        int rc = (int) Flock.H.invokeExact(state, fd, LOCK_EX | LOCK_NB);
        if (rc == 0) {
          return true;
        }
        int e = errno(state);
        if (e == EWOULDBLOCK) {
          return false;
        }
        if (e != EINTR) {
          throw new DeviceIoException("flock of " + path + " failed: errno " + e);
        }
      }
    } catch (DeviceIoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceIoException("flock of " + path + " failed", t);
    }
  }

  /**
   * {@code fcntl(fd, F_OFD_SETLK, {F_WRLCK, SEEK_SET, 0, 0})}: an exclusive record lock over the
   * whole file, owned by the open file description. True if taken, false if a conflicting lock is
   * held (an OFD lock through another open, or a classic POSIX lock of any process, this one
   * included); fails on other errors.
   */
  static boolean tryOfdWriteLock(int fd, Path path) throws DeviceIoException {
    requireAvailable(Fcntl.H, path);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      // Zeroed: whence SEEK_SET, start 0, length 0 (to the end, however far it grows), pid 0
      // (which F_OFD_SETLK requires).
      MemorySegment flock = arena.allocate(FLOCK_STRUCT_BYTES, 8);
      flock.set(ValueLayout.JAVA_SHORT, 0, F_WRLCK);
      while (true) {
        int rc = (int) Fcntl.H.invokeExact(state, fd, F_OFD_SETLK, flock);
        if (rc == 0) {
          return true;
        }
        int e = errno(state);
        if (e == EWOULDBLOCK || e == EACCES) {
          return false;
        }
        if (e != EINTR) {
          throw new DeviceIoException("fcntl(F_OFD_SETLK) of " + path + " failed: errno " + e);
        }
      }
    } catch (DeviceIoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceIoException("fcntl(F_OFD_SETLK) of " + path + " failed", t);
    }
  }

  private static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  private static void requireAvailable(MethodHandle call, Path path) throws DeviceIoException {
    if (call == null) {
      throw new DeviceIoException("native calls are not available for " + path);
    }
  }
}

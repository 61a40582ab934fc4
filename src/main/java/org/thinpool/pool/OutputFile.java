package org.thinpool.pool;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a command writes its output (export's image, dump's XML), made safe:
 *
 * <ul>
 *   <li>never one of a pool's own files ({@code metadata}, {@code data}, {@code sizes}, {@code
 *       pool.conf}, {@code lock}) or block devices, compared by identity (the same inode, or the
 *       same device number for device nodes), so a symlink or a {@code ../} path is caught;
 *   <li>a regular file (or a new one) is written as a temporary file beside it and renamed over it
 *       by {@link #commit} only: a failed or interrupted command leaves the old file, or none,
 *       never a partial or empty one;
 *   <li>anything else that exists (a character or block device such as {@code /dev/null}, a named
 *       pipe) is written in place: it cannot be renamed over.
 * </ul>
 *
 * <p>Use: {@code try (OutputFile out = OutputFile.open(path, poolDir)) { write to out.channel();
 * out.commit(); }}; {@link #close} without {@link #commit} discards the output.
 */
public final class OutputFile implements Closeable {
  private final Path target;
  private final Path tmp;
  private final FileChannel channel;
  private boolean committed;

  private OutputFile(Path target, Path tmp, FileChannel channel) {
    this.target = target;
    this.tmp = tmp;
    this.channel = channel;
  }

  /**
   * Opens {@code output} for a command of the pool in {@code poolDir}, or fails with "refusing to
   * write to OUTPUT: it is the pool's FILE" if it is one of the pool's files or devices.
   */
  public static OutputFile open(Path output, Path poolDir) throws IOException {
    refuseOwnFiles(output, poolDir);
    if (Files.exists(output) && !Files.isRegularFile(output)) {
      if (Files.isDirectory(output)) {
        throw new PoolStateException("cannot write to " + output + ": it is a directory");
      }
      return new OutputFile(output, null, FileChannel.open(output, StandardOpenOption.WRITE));
    }
    Path target = Files.exists(output) ? output.toRealPath() : output.toAbsolutePath();
    Path parent = target.getParent();
    if (!Files.isDirectory(parent)) {
      throw new PoolStateException("cannot write to " + output + ": no directory " + parent);
    }
    String prefix = "." + target.getFileName() + ".thinpool-tmp-";
    removeAbandoned(parent, prefix);
    Path tmp = parent.resolve(prefix + ProcessHandle.current().pid());
    Files.deleteIfExists(tmp);
    FileChannel ch =
        FileChannel.open(
            tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
    return new OutputFile(target, tmp, ch);
  }

  /** Temporary files of killed commands (their pid, at the end of the name, is gone). */
  private static void removeAbandoned(Path parent, String prefix) throws IOException {
    List<Path> found;
    try (var entries = Files.list(parent)) {
      found = entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
    }
    for (Path p : found) {
      String pid = p.getFileName().toString().substring(prefix.length());
      try {
        if (ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
      } catch (NumberFormatException e) {
        continue; // not a name this class made
      }
      Files.deleteIfExists(p);
    }
  }

  /** True if the output is a new regular file: it may be sparse and be given a size. */
  public boolean isRegularFile() {
    return tmp != null;
  }

  public FileChannel channel() {
    return channel;
  }

  /** A stream on {@link #channel}; closing it does not discard or commit anything. */
  public OutputStream stream() {
    OutputStream s = Channels.newOutputStream(channel);
    return new java.io.FilterOutputStream(s) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }

  /** Makes the output durable and, for a regular file, renames it into place. */
  public void commit() throws IOException {
    if (committed) {
      return;
    }
    if (tmp != null) {
      channel.force(true);
      channel.close();
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.syncDirectory(target.getParent());
    } else {
      channel.close();
    }
    committed = true;
  }

  /** Discards an output that was not committed. */
  @Override
  public void close() throws IOException {
    if (committed) {
      return;
    }
    try {
      channel.close();
    } finally {
      if (tmp != null) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /** The pool's own files and devices that exist, with what each is. */
  private static void refuseOwnFiles(Path output, Path poolDir) throws IOException {
    if (!Files.exists(output) || !Files.isDirectory(poolDir)) {
      return;
    }
    List<Path> own = new ArrayList<>();
    for (String name :
        List.of(
            ThinPool.METADATA_FILE,
            ThinPool.DATA_FILE,
            SizeTable.FILE_NAME,
            PoolSettings.FILE_NAME,
            PoolLock.FILE_NAME)) {
      own.add(poolDir.resolve(name));
    }
    PoolSettings settings = PoolSettings.load(poolDir);
    if (settings.direct()) {
      own.add(settings.metadataDevice());
      own.add(settings.dataDevice());
    }
    Path backing = loopBackingFile(output);
    for (Path p : own) {
      if (Files.exists(p) && sameFile(output, p)) {
        throw new PoolStateException(
            "refusing to write to "
                + output
                + ": it is the pool's "
                + (p.startsWith(poolDir) ? p.getFileName() : "device " + p)
                + " ("
                + p
                + ")");
      }
      if (backing != null && Files.exists(p) && sameFile(backing, p)) {
        throw new PoolStateException(
            "refusing to write to "
                + output
                + ": it is a loop "
                + "device over the pool's "
                + p.getFileName()
                + " ("
                + p
                + ")");
      }
    }
  }

  /** The file behind a loop device (from sysfs), else null. */
  private static Path loopBackingFile(Path output) throws IOException {
    if (rdev(output) == null) {
      return null;
    }
    Path sys =
        Path.of(
            "/sys/class/block",
            output.toRealPath().getFileName().toString(),
            "loop",
            "backing_file");
    if (!Files.isRegularFile(sys)) {
      return null;
    }
    String name = Files.readString(sys).strip();
    Path file = Path.of(name);
    return !name.isEmpty() && Files.exists(file) ? file : null;
  }

  /** The same inode, or two device nodes of the same device. */
  private static boolean sameFile(Path a, Path b) throws IOException {
    if (Files.isSameFile(a, b)) {
      return true;
    }
    Object ra = rdev(a);
    return ra != null && ra.equals(rdev(b));
  }

  private static Object rdev(Path p) throws IOException {
    int mode = (Integer) Files.getAttribute(p, "unix:mode");
    int type = mode & 0170000;
    return type == 0060000 || type == 0020000
        ? type + ":" + Files.getAttribute(p, "unix:rdev")
        : null;
  }
}

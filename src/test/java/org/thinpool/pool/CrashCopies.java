package org.thinpool.pool;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/** Copies of a live pool's files, as a crash of its process would leave them. */
final class CrashCopies {
  /** Copies skip all-zero chunks of this size, leaving holes: the smallest data block. */
  private static final int CHUNK_BYTES = 64 * 1024;

  private CrashCopies() {}

  /**
   * What a killed process leaves: the pool's files as the page cache holds them (all but the lock,
   * which the kernel drops with the process).
   */
  static void copyPoolFiles(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        if (Files.isRegularFile(f) && !f.getFileName().toString().equals("lock")) {
          sparseCopy(f, to.resolve(f.getFileName()));
        }
      }
    }
  }

  /** Copies a file, leaving holes where it reads zeros, so a copy costs what the pool uses. */
  private static void sparseCopy(Path from, Path to) throws IOException {
    try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long size = in.size();
      ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES);
      byte[] zeros = new byte[CHUNK_BYTES];
      for (long pos = 0; pos < size; pos += CHUNK_BYTES) {
        buf.clear();
        while (buf.hasRemaining() && in.read(buf, pos + buf.position()) > 0) {
          // read until the block is full or the file ends
        }
        buf.flip();
        if (Arrays.equals(buf.array(), 0, buf.limit(), zeros, 0, buf.limit())) {
          continue;
        }
        while (buf.hasRemaining()) {
          out.write(buf, pos + buf.position());
        }
      }
    }
    try (RandomAccessFile f = new RandomAccessFile(to.toFile(), "rw")) {
      f.setLength(Files.size(from));
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

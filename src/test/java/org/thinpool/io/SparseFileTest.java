package org.thinpool.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SEEK_DATA / SEEK_HOLE through FFM on a real sparse file of the temporary folder. */
class SparseFileTest {
  private static final long MIB = 1 << 20;

  @TempDir Path tmp;

  @Test
  void findsTheDataExtentsAndTheHolesBetweenThem() throws IOException {
    Path f = tmp.resolve("sparse.img");
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(64 * MIB);
      raf.seek(8 * MIB);
      raf.write(new byte[] {1});
      raf.seek(40 * MIB);
      raf.write(new byte[(int) MIB]);
      raf.seek(40 * MIB);
      raf.write(7);
    }
    try (SparseFile s = SparseFile.open(f)) {
      assertThat(s.sizeBytes()).isEqualTo(64 * MIB);
      long first = s.nextData(0);
      // File systems report data in their own allocation units: at most 1 MiB around a byte.
      assertThat(first).isBetween(7 * MIB, 8 * MIB);
      long hole = s.nextHole(first);
      assertThat(hole).isBetween(8 * MIB + 1, 9 * MIB);
      long second = s.nextData(hole);
      assertThat(second).isBetween(39 * MIB, 40 * MIB);
      assertThat(s.nextHole(second)).isBetween(41 * MIB, 42 * MIB);
      assertThat(s.nextData(s.nextHole(second))).isEqualTo(-1);
      assertThat(s.nextHole(63 * MIB)).isEqualTo(63 * MIB);
      assertThat(s.nextData(64 * MIB)).isEqualTo(-1);
      ByteBuffer b = ByteBuffer.allocate(1);
      s.read(b, 40 * MIB);
      assertThat(b.get(0)).isEqualTo((byte) 7);
    }
  }

  @Test
  void aFileWithoutHolesIsOneExtent() throws IOException {
    Path f = tmp.resolve("full.img");
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.write(new byte[100_000]);
    }
    try (SparseFile s = SparseFile.open(f)) {
      assertThat(s.nextData(0)).isZero();
      assertThat(s.nextHole(0)).isEqualTo(100_000);
      assertThat(s.nextData(100_000)).isEqualTo(-1);
    }
  }
}

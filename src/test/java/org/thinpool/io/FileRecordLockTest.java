package org.thinpool.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The claims the pool lock rests on, in one process (where they are least obvious): the JDK's
 * shared file lock and the OFD write lock exclude each other both ways; readers share; the write
 * lock survives other opens and closes of its file.
 */
class FileRecordLockTest {
  @TempDir Path tmp;

  private Path file() throws Exception {
    return Files.write(tmp.resolve("metadata"), new byte[4096]);
  }

  @Test
  void readersShareAndKeepTheWriterOutUntilTheLastHasClosed() throws Exception {
    Path f = file();
    FileRecordLock r1 = FileRecordLock.tryShared(f);
    FileRecordLock r2 = FileRecordLock.tryShared(f);
    assertThat(r1).isNotNull();
    assertThat(r2).isNotNull();
    assertThat(FileRecordLock.tryExclusive(f)).isNull();
    r1.close();
    r1.close(); // idempotent: does not release r2's hold
    assertThat(FileRecordLock.tryExclusive(f)).as("r2 still reads").isNull();
    r2.close();
    try (FileRecordLock w = FileRecordLock.tryExclusive(f)) {
      assertThat(w).isNotNull();
    }
  }

  @Test
  void theWriterKeepsReadersAndAnotherWriterOut() throws Exception {
    Path f = file();
    try (FileRecordLock w = FileRecordLock.tryExclusive(f)) {
      assertThat(w).isNotNull();
      assertThat(FileRecordLock.tryShared(f)).isNull();
      assertThat(FileRecordLock.tryExclusive(f)).isNull();
    }
    try (FileRecordLock r = FileRecordLock.tryShared(f)) {
      assertThat(r).as("released by close").isNotNull();
    }
  }

  @Test
  void theWritersLockSurvivesOtherClosesOfItsFile() throws Exception {
    Path f = file();
    try (FileRecordLock w = FileRecordLock.tryExclusive(f)) {
      // A classic POSIX lock would drop here: the process closes an fd of the file.
      FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
      assertThat(FileRecordLock.tryShared(f)).isNull();
    }
  }

  @Test
  void theLockFollowsTheFileThroughARename() throws Exception {
    Path f = file();
    Path tmpFile = Files.write(tmp.resolve("metadata.new"), new byte[4096]);
    try (FileRecordLock w = FileRecordLock.tryExclusive(tmpFile)) {
      Files.move(tmpFile, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(FileRecordLock.tryShared(f)).isNull();
    }
  }
}

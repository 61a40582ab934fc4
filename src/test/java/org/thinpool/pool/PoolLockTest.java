package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;

import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 2: one writer per pool, whatever happens to the files in its folder. Process A (a
 * {@link PoolHolder}) holds the pool; process B (the CLI in another JVM, or this one) is refused
 * after the lock file is deleted or replaced, and gets in once A is gone.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PoolLockTest {
  @TempDir Path tmp;

  private Path newPool() throws Exception {
    Path dir = tmp.resolve("pool");
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      pool.createThin(1, 4 * MIB);
    }
    return dir;
  }

  @Test
  void deletingOrReplacingTheLockFileDoesNotLetASecondWriterIn() throws Exception {
    Path dir = newPool();
    try (Holder a = Holder.start(tmp, "hold", dir, 0)) {
      assertThat(Files.readString(dir.resolve("lock"), StandardCharsets.US_ASCII).trim())
          .isEqualTo(Long.toString(a.pid()));
      ChildJvm.Result b =
          ChildJvm.runCli(tmp, "--pool", dir.toString(), "thin", "create", "2", "1M");
      assertThat(b.exitCode()).as(b.err()).isEqualTo(1);
      assertThat(b.err()).contains("pool " + dir + " is in use by process " + a.pid());

      Files.delete(dir.resolve("lock"));
      b = ChildJvm.runCli(tmp, "--pool", dir.toString(), "thin", "create", "2", "1M");
      assertThat(b.exitCode()).as("B after the lock file was deleted: %s", b.err()).isEqualTo(1);
      assertThat(b.err()).contains("is in use by process");

      Path other = Files.writeString(tmp.resolve("other-lock"), "1\n");
      Files.move(other, dir.resolve("lock"), StandardCopyOption.REPLACE_EXISTING);
      b = ChildJvm.runCli(tmp, "--pool", dir.toString(), "thin", "create", "2", "1M");
      assertThat(b.exitCode()).as("B after the lock file was replaced: %s", b.err()).isEqualTo(1);
      assertThatThrownBy(() -> ThinPool.open(dir).close())
          .isInstanceOf(PoolStateException.class)
          .hasMessageContaining("is in use by process");
    }
    ChildJvm.Result b = ChildJvm.runCli(tmp, "--pool", dir.toString(), "thin", "create", "2", "1M");
    assertThat(b.exitCode()).as(b.err()).isZero();
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.deviceIds()).containsExactly(1L, 2L);
    }
    assertMetadataClean(dir);
  }

  @Test
  void aKilledHolderLeavesNoLockAndASecondOpenInOneProcessIsRefused() throws Exception {
    Path dir = newPool();
    Holder a = Holder.start(tmp, "hold", dir, 0);
    a.kill();
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThatThrownBy(() -> ThinPool.open(dir).close())
          .isInstanceOf(PoolStateException.class)
          .hasMessageContaining("is in use by process " + ProcessHandle.current().pid());
      assertThat(pool.deviceIds()).containsExactly(1L);
    }
  }

  @Test
  void readersShareTheLockAndKeepAWriterOut() throws Exception {
    Path dir = newPool();
    try (Closeable r1 = ThinPool.lockForReading(dir);
        Closeable r2 = ThinPool.lockForReading(dir)) {
      ChildJvm.Result check = ChildJvm.runCli(tmp, "--pool", dir.toString(), "check");
      assertThat(check.exitCode()).as(check.err()).isZero();
      assertThatThrownBy(() -> ThinPool.open(dir).close())
          .isInstanceOf(PoolStateException.class)
          .hasMessageContaining("is being read");
    }
    ThinPool.open(dir).close();
  }

  @Test
  void aReaderInThisProcessKeepsAWriterInAnotherOut() throws Exception {
    Path dir = newPool();
    try (Closeable r = ThinPool.lockForReading(dir)) {
      ChildJvm.Result b =
          ChildJvm.runCli(tmp, "--pool", dir.toString(), "thin", "create", "2", "1M");
      assertThat(b.exitCode()).as(b.err()).isEqualTo(1);
      assertThat(b.err()).contains("pool " + dir + " is being read by another command");
      ChildJvm.Result status = ChildJvm.runCli(tmp, "--pool", dir.toString(), "status");
      assertThat(status.exitCode()).as("readers share: %s", status.err()).isZero();
    }
    ChildJvm.Result b = ChildJvm.runCli(tmp, "--pool", dir.toString(), "thin", "create", "2", "1M");
    assertThat(b.exitCode()).as(b.err()).isZero();
  }

  @Test
  void aWriterInThisProcessKeepsReadersOutFromTheCreateOn() throws Exception {
    Path dir = tmp.resolve("pool");
    // A created pool's metadata is locked before its folder is renamed into place.
    try (ThinPool pool = ThinPool.create(dir, PoolOptions.ofDataSize(16 * MIB))) {
      assertThatThrownBy(() -> ThinPool.lockForReading(dir).close())
          .isInstanceOf(PoolStateException.class)
          .hasMessage("pool " + dir + " is in use by process " + ProcessHandle.current().pid());
      // Other opens and closes of the metadata in this process do not drop the writer's lock.
      try (var ch = java.nio.channels.FileChannel.open(dir.resolve("metadata"))) {
        assertThat(ch.size()).isPositive();
      }
      ChildJvm.Result ls = ChildJvm.runCli(tmp, "--pool", dir.toString(), "thin", "ls");
      assertThat(ls.exitCode()).as(ls.err()).isEqualTo(1);
      assertThat(ls.err()).contains("is in use by process " + ProcessHandle.current().pid());
      pool.createThin(1, MIB);
    }
    try (Closeable r = ThinPool.lockForReading(dir)) {
      assertThat(r).isNotNull();
    }
  }

  @Test
  void metadataRenamedInPlaceByTheWriterIsLockedBeforeTheRename() throws Exception {
    Path dir = newPool();
    try (PoolLock w = PoolLock.acquire(dir)) {
      Path next = Files.copy(dir.resolve("metadata"), dir.resolve("metadata.restore-tmp"));
      w.excludeReaders(next);
      Files.move(next, dir.resolve("metadata"), StandardCopyOption.REPLACE_EXISTING);
      assertThatThrownBy(() -> ThinPool.lockForReading(dir).close())
          .isInstanceOf(PoolStateException.class)
          .hasMessageContaining("is in use by process");
    }
    ThinPool.lockForReading(dir).close();
  }

  @Test
  void aReaderOfAPoolWithoutMetadataIsToldThereIsNoPool() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("empty"));
    assertThatThrownBy(() -> ThinPool.lockForReading(dir).close())
        .isInstanceOf(PoolStateException.class)
        .hasMessage("no pool at " + dir + " (missing " + dir.resolve("metadata") + ")");
  }
}

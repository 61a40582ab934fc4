package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sizes file as an append log: appends, torn tails, rewrites, the latest record wins. */
class SizeTableTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve(SizeTable.FILE_NAME);
  }

  @Test
  void storesAppendAndTheLatestRecordOfATransactionWins() throws IOException {
    SizeTable.store(dir, 4, Map.of(1L, 512L), 5, Map.of(1L, 1024L));
    long first = Files.size(file());
    // The change of 5 was aborted; a different change moves 4 to 5 instead.
    SizeTable.store(dir, 4, Map.of(1L, 512L), 5, Map.of(1L, 512L, 2L, 4096L));
    assertThat(Files.size(file())).isGreaterThan(first); // appended, not rewritten
    assertThat(SizeTable.load(dir, 5)).isEqualTo(Map.of(1L, 512L, 2L, 4096L));
    SizeTable.store(dir, 5, Map.of(1L, 512L, 2L, 4096L), 6, Map.of(2L, 4096L));
    assertThat(SizeTable.load(dir, 4)).isEqualTo(Map.of(1L, 512L));
    assertThat(SizeTable.load(dir, 6)).isEqualTo(Map.of(2L, 4096L));
    assertThat(SizeTable.load(dir, 60)).isEqualTo(Map.of(2L, 4096L));
    assertThat(SizeTable.load(dir, 3)).isEmpty();
  }

  @Test
  void aTornAppendIsIgnoredAndTheNextStoreRewritesTheFile() throws IOException {
    SizeTable.store(dir, 4, Map.of(1L, 512L), 5, Map.of(1L, 1024L));
    // A crash during the next append: part of it reached the disk, then zeros.
    Files.write(
        file(),
        "transaction 5\n1 1024\nend\ntransaction 6\n1 20".getBytes(StandardCharsets.UTF_8),
        StandardOpenOption.APPEND);
    Files.write(file(), new byte[300], StandardOpenOption.APPEND);
    assertThat(SizeTable.load(dir, 5)).isEqualTo(Map.of(1L, 1024L));
    // Metadata at 6 means the append was fsynced whole: a torn 6 is a damaged file, not 5.
    assertThatThrownBy(() -> SizeTable.load(dir, 6))
        .isInstanceOf(PoolStateException.class)
        .hasMessageContaining("line 11")
        .hasMessageContaining("cut short");
    SizeTable.store(dir, 5, Map.of(1L, 1024L), 6, Map.of(1L, 2048L));
    assertThat(Files.readString(file()))
        .isEqualTo("thinpool-sizes 1\ntransaction 5\n1 1024\nend\ntransaction 6\n1 2048\nend\n");
    assertThat(SizeTable.load(dir, 6)).isEqualTo(Map.of(1L, 2048L));
  }

  @Test
  void theFileIsRewrittenWhenItReachesItsLimit() throws IOException {
    Map<Long, Long> sizes = new java.util.TreeMap<>();
    for (long id = 0; id < 100; id++) {
      sizes.put(id, id * 1_000_000_000L);
    }
    for (long tid = 0; tid < 200; tid++) {
      SizeTable.store(dir, tid, sizes, tid + 1, sizes);
      assertThat(Files.size(file())).isLessThanOrEqualTo(SizeTable.REWRITE_AT_BYTES);
    }
    assertThat(SizeTable.load(dir, 200)).isEqualTo(sizes);
    assertThat(SizeTable.load(dir, 0)).isEmpty(); // history before the rewrite is gone
  }

  @Test
  void damageBeforeTheLastWholeGenerationIsAnError() throws IOException {
    Files.writeString(file(), "thinpool-sizes 1\ntransaction 5\n1 x\nend\n");
    assertThatThrownBy(() -> SizeTable.load(dir, 5))
        .isInstanceOf(PoolStateException.class)
        .hasMessageContaining("line 3");
  }

  @Test
  void outOfRangeOrUnorderedValuesNameTheirLine() throws IOException {
    for (String[] c :
        new String[][] {
          {"1 1000\n", "line 3: size 1000 is not a multiple of 512"},
          {"16777216 512\n", "line 3: thin id 16777216 is out of range"},
          {"-1 512\n", "line 3: thin id -1 is out of range"},
          {"1 512\n1 1024\n", "line 4: thin id 1 is out of order"},
          {"1 1152921504606847488\n", "line 3: size 1152921504606847488 is out of range"},
          {"1 +512\n", "line 3: size +512 is out of range"},
          {"1 5\u00e912\n", "line 3: size '5??12' is not a number"}
        }) {
      Files.writeString(file(), "thinpool-sizes 1\ntransaction 5\n" + c[0] + "end\n");
      assertThatThrownBy(() -> SizeTable.load(dir, 5))
          .as(c[0])
          .isInstanceOf(PoolStateException.class)
          .hasMessageContaining(c[1])
          .hasMessageContaining(file().toString());
    }
  }
}

package org.thinpool.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The records file: replay, torn tails, damage, compaction (item 4's file half). */
class RecordLogTest {
  @TempDir Path tmp;

  static SnapshotRecord rec(String name, String parent, SnapshotKind kind, long device) {
    Instant t = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);
    return new SnapshotRecord(
        new SnapshotInfo(name, parent, kind, Map.of("containerd.io/gc.root", "x"), t, t), device);
  }

  private TreeMap<String, SnapshotRecord> reopen(Path file) throws IOException {
    TreeMap<String, SnapshotRecord> into = new TreeMap<>();
    RecordLog.open(file, into).close();
    return into;
  }

  @Test
  void replayGivesBackEveryChangeInOrder() throws IOException {
    Path f = tmp.resolve("records");
    try (RecordLog log = RecordLog.open(f, new TreeMap<>())) {
      log.appendBase(new BaseDevice(0, FsType.EXT4, 1L << 30));
      log.append(RecordChange.put(rec("a", "", SnapshotKind.ACTIVE, 1)));
      log.append(new RecordChange(List.of("a"), List.of(rec("A", "", SnapshotKind.COMMITTED, 1))));
      log.append(RecordChange.put(rec("b", "A", SnapshotKind.ACTIVE, 2)));
      log.append(RecordChange.put(rec("gone", "A", SnapshotKind.VIEW, 3)));
      log.append(RecordChange.remove("gone"));
    }
    TreeMap<String, SnapshotRecord> got = new TreeMap<>();
    try (RecordLog log = RecordLog.open(f, got)) {
      assertThat(log.base()).contains(new BaseDevice(0, FsType.EXT4, 1L << 30));
    }
    assertThat(got.keySet()).containsExactly("A", "b");
    assertThat(got.get("A")).isEqualTo(rec("A", "", SnapshotKind.COMMITTED, 1));
    assertThat(got.get("b").info().createdAt())
        .isEqualTo(Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
  }

  @Test
  void aTornLastEntryIsDroppedAndTheFileTruncated() throws IOException {
    Path f = tmp.resolve("records");
    try (RecordLog log = RecordLog.open(f, new TreeMap<>())) {
      log.append(RecordChange.put(rec("a", "", SnapshotKind.ACTIVE, 1)));
      log.append(RecordChange.put(rec("b", "", SnapshotKind.ACTIVE, 2)));
    }
    long full = Files.size(f);
    for (long cut = full - 1; cut > full - 20; cut -= 7) {
      Path copy = tmp.resolve("copy" + cut);
      Files.copy(f, copy);
      try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
        ch.truncate(cut);
      }
      assertThat(reopen(copy).keySet()).containsExactly("a");
      long after = Files.size(copy);
      assertThat(after).isLessThan(cut); // the torn bytes are gone, appends go on after "a"
      assertThat(reopen(copy).keySet()).containsExactly("a");
    }
  }

  @Test
  void aDamagedEntryFollowedByOthersIsRefusedNotSkipped() throws IOException {
    Path f = tmp.resolve("records");
    try (RecordLog log = RecordLog.open(f, new TreeMap<>())) {
      log.append(RecordChange.put(rec("a", "", SnapshotKind.ACTIVE, 1)));
      log.append(RecordChange.put(rec("b", "", SnapshotKind.ACTIVE, 2)));
    }
    byte[] bytes = Files.readAllBytes(f);
    bytes[RecordCodec.MAGIC.length + RecordCodec.ENTRY_HEADER_BYTES + 3] ^= 0x40;
    Files.write(f, bytes);
    assertThatThrownBy(() -> reopen(f)).hasMessageContaining("damaged snapshot record entry");
  }

  @Test
  void compactionKeepsTheLiveRecordsAndTheBase() throws IOException {
    Path f = tmp.resolve("records");
    TreeMap<String, SnapshotRecord> live = new TreeMap<>();
    try (RecordLog log = RecordLog.open(f, live)) {
      log.appendBase(new BaseDevice(7, FsType.XFS, 1L << 30));
      for (int i = 0; i < 1200; i++) {
        RecordChange c =
            i % 3 == 2
                ? RecordChange.remove("k" + (i - 1))
                : RecordChange.put(rec("k" + i, "", SnapshotKind.ACTIVE, i + 10));
        log.append(c);
        RecordLog.apply(live, c);
      }
      assertThat(log.compactionDue(live.size())).isTrue();
      long before = Files.size(f);
      log.compact(live.values());
      assertThat(Files.size(f)).isLessThan(before);
      assertThat(log.compactionDue(live.size())).isFalse();
      log.append(RecordChange.put(rec("after", "", SnapshotKind.VIEW, 9999)));
      RecordLog.apply(live, RecordChange.put(rec("after", "", SnapshotKind.VIEW, 9999)));
    }
    TreeMap<String, SnapshotRecord> got = new TreeMap<>();
    try (RecordLog log = RecordLog.open(f, got)) {
      assertThat(log.base()).contains(new BaseDevice(7, FsType.XFS, 1L << 30));
    }
    assertThat(got).isEqualTo(live);
    assertThat(tmp.resolve("records.tmp")).doesNotExist();
  }

  @Test
  void notARecordsFileIsRefused() throws IOException {
    Path f = tmp.resolve("records");
    Files.writeString(f, "hello, this is not it");
    assertThatThrownBy(() -> reopen(f)).hasMessageContaining("not a snapshot records file");
  }
}

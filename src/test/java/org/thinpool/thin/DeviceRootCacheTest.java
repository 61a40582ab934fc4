package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.thin.MetadataPrograms.Kind;
import org.thinpool.thin.MetadataPrograms.Op;
import org.thinpool.thin.MetadataPrograms.Shape;

/**
 * The caches of device roots (in {@link MappingTree}) and device details (in {@link ThinMetadata})
 * never go stale: random create / snapshot / delete / map / unmap / commit / abort / reopen
 * sequences, with every device's lookups and mapped count compared to a model after every step (so
 * the caches are warm before each change) and the caches compared entry by entry to their trees.
 */
class DeviceRootCacheTest {
  /** Every kind of step, reopens and aborts included, so the cache meets every change. */
  static final Shape SHAPE =
      new Shape(
          Map.of(
              Kind.CREATE,
              8,
              Kind.SNAPSHOT,
              12,
              Kind.DELETE,
              5,
              Kind.MAP,
              40,
              Kind.UNMAP,
              10,
              Kind.COMMIT,
              10,
              Kind.ABORT,
              8,
              Kind.REOPEN,
              7),
          3000,
          400,
          3,
          5,
          80);

  @Provide
  Arbitrary<List<Op>> programs() {
    return MetadataPrograms.programs(SHAPE);
  }

  @Property(tries = 40)
  void lookupsMatchTheModelAcrossSnapshotsDeletesAbortsAndReopens(
      @ForAll("programs") List<Op> program) throws IOException {
    Path dir = Files.createTempDirectory("roots");
    Path meta = dir.resolve("metadata");
    ThinMetadata md =
        ThinMetadata.format(FileBlockDevice.create(meta, 16L << 20), 128, 200_000, 64);
    try (MetadataPrograms.Run run = new MetadataPrograms.Run(meta, SHAPE, md)) {
      for (Op op : program) {
        run.apply(op);
        run.metadata().checkDeviceRoots();
        run.metadata().checkDetailsCache();
        verify(run.metadata(), run.model(), op.firstBlock());
        run.metadata().checkDeviceRoots();
        run.metadata().checkDetailsCache();
      }
    } finally {
      Files.deleteIfExists(meta);
      Files.deleteIfExists(dir);
    }
  }

  /** Every mapped block and its neighbours by lookup; every device by a walk and by its ids. */
  private static void verify(ThinMetadata md, Map<Long, TreeMap<Long, Long>> model, long probe)
      throws IOException {
    assertThat(md.deviceIds()).containsExactlyElementsOf(model.keySet());
    long highest = model.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    for (long id = 0; id <= highest + 8; id++) {
      assertThat(md.exists(id)).as("device %d exists", id).isEqualTo(model.containsKey(id));
    }
    for (Map.Entry<Long, TreeMap<Long, Long>> e : model.entrySet()) {
      long id = e.getKey();
      for (Map.Entry<Long, Long> m : e.getValue().entrySet()) {
        assertThat(md.lookup(id, m.getKey()).dataBlock()).isEqualTo(m.getValue());
      }
      for (long v = probe; v < probe + 8; v++) {
        Mapping found = md.lookup(id, v);
        Long want = e.getValue().get(v);
        assertThat(found == null ? null : found.dataBlock()).isEqualTo(want);
      }
      TreeMap<Long, Long> walked = new TreeMap<>();
      md.visitMappings(
          id,
          0,
          Long.MAX_VALUE,
          (k, m) -> {
            walked.put(k, m.dataBlock());
            return true;
          });
      assertThat(walked).isEqualTo(e.getValue());
      assertThat(md.details(id).mappedBlocks()).isEqualTo(e.getValue().size());
    }
  }

  @Test
  void aDeviceCreatedInAnAbortedTransactionIsGoneAndItsIdReusable() throws IOException {
    try (ThinMetadata md = ThinMetadata.format(new MemoryBlockDevice(8L << 20), 128, 1000, 64)) {
      md.createThin(1);
      md.insertMapping(1, 5, md.allocDataBlock());
      md.commit();
      md.createThin(2);
      md.insertMapping(2, 7, md.allocDataBlock());
      md.createSnap(3, 1);
      md.insertMapping(1, 5, md.allocDataBlock());
      assertThat(md.lookup(2, 7)).isNotNull();
      assertThat(md.lookup(3, 5)).isNotNull();
      md.abort();
      md.checkDeviceRoots();
      assertThatThrownBy(() -> md.lookup(2, 7)).isInstanceOf(MetadataStateException.class);
      assertThatThrownBy(() -> md.lookup(3, 5)).isInstanceOf(MetadataStateException.class);
      assertThat(md.lookup(1, 5).dataBlock()).isZero();
      md.createThin(2);
      assertThat(md.lookup(2, 7)).isNull();
      md.checkDeviceRoots();
    }
  }

  @Test
  void aDeletedDeviceIsNotFoundThroughTheCache() throws IOException {
    try (ThinMetadata md = ThinMetadata.format(new MemoryBlockDevice(8L << 20), 128, 1000, 64)) {
      md.createThin(1);
      md.insertMapping(1, 5, md.allocDataBlock());
      assertThat(md.lookup(1, 5)).isNotNull();
      md.delete(1);
      assertThatThrownBy(() -> md.lookup(1, 5)).isInstanceOf(MetadataStateException.class);
      md.createThin(1);
      assertThat(md.lookup(1, 5)).isNull();
      md.checkDeviceRoots();
    }
  }

  @Test
  void uncommittedChangesAreSeenAndACommitClearsThem() throws IOException {
    try (ThinMetadata md = ThinMetadata.format(new MemoryBlockDevice(8L << 20), 128, 1000, 64)) {
      assertThat(md.hasUncommittedChanges()).isFalse();
      md.createThin(1);
      assertThat(md.hasUncommittedChanges()).isTrue();
      md.commit();
      assertThat(md.hasUncommittedChanges()).isFalse();
      md.lookup(1, 3);
      md.visitMappings(1, 0, 10, (k, m) -> true);
      assertThat(md.hasUncommittedChanges()).isFalse();

      long b = md.allocDataBlock();
      assertThat(md.hasUncommittedChanges()).isTrue();
      md.dataSpaceMap().dec(b); // allocated and released: still a change of the space map
      assertThat(md.hasUncommittedChanges()).isTrue();
      md.abort();
      assertThat(md.hasUncommittedChanges()).isFalse();

      md.setTransactionId(0, 1);
      assertThat(md.hasUncommittedChanges()).isTrue();
      md.commit();
      md.createSnap(2, 1);
      assertThat(md.hasUncommittedChanges()).isTrue();
      md.commit();
      md.resizeDataDevice(2000);
      assertThat(md.hasUncommittedChanges()).isTrue();
      md.commit();
      md.insertMapping(1, 9, md.allocDataBlock());
      md.commit();
      md.removeRange(1, 0, 100);
      assertThat(md.hasUncommittedChanges()).isTrue();
      md.commit();
      md.delete(2);
      assertThat(md.hasUncommittedChanges()).isTrue();
      md.commit();
      assertThat(md.hasUncommittedChanges()).isFalse();
    }
  }
}

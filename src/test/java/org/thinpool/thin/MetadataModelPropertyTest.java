package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.testing.ExternalTool;
import org.thinpool.thin.MetadataPrograms.Kind;
import org.thinpool.thin.MetadataPrograms.Op;
import org.thinpool.thin.MetadataPrograms.Shape;
import org.thinpool.thin.check.PoolCheck;
import org.thinpool.thin.check.ThinLsField;
import org.thinpool.thin.check.ThinLsReport;

/**
 * Random sequences of create thin / snapshot / delete / map / unmap / commit against an in-memory
 * model. After every commit: our mappings equal the model's, our checker is clean, the real
 * thin_check passes on our file and the real thin_dump prints exactly our dump.
 */
class MetadataModelPropertyTest {
  /** No aborts or reopens: every commit is checked by the real tools, which is slow. */
  static final Shape SHAPE =
      new Shape(
          Map.of(
              Kind.CREATE,
              8,
              Kind.SNAPSHOT,
              10,
              Kind.DELETE,
              4,
              Kind.MAP,
              48,
              Kind.UNMAP,
              15,
              Kind.COMMIT,
              15),
          2000,
          300,
          1,
          5,
          60);

  @Provide
  Arbitrary<List<Op>> programs() {
    return MetadataPrograms.programs(SHAPE);
  }

  @Property(tries = 25)
  void matchesModelAndRealTools(@ForAll("programs") List<Op> program) throws IOException {
    Path dir = Files.createTempDirectory("prop");
    Path meta = dir.resolve("metadata");
    ThinMetadata md =
        ThinMetadata.format(FileBlockDevice.create(meta, 8L << 20), 128, 100_000, 128);
    try (MetadataPrograms.Run run = new MetadataPrograms.Run(meta, SHAPE, md)) {
      for (Op op : program) {
        if (run.apply(op) == Kind.COMMIT) {
          verify(run.metadata(), run.model(), meta);
        }
      }
      run.metadata().commit();
      verify(run.metadata(), run.model(), meta);
    } finally {
      Files.deleteIfExists(meta);
      Files.deleteIfExists(dir);
    }
  }

  private static void verify(ThinMetadata md, Map<Long, TreeMap<Long, Long>> model, Path meta)
      throws IOException {
    Map<Long, TreeMap<Long, Long>> ours = new HashMap<>();
    for (long id : md.deviceIds()) {
      TreeMap<Long, Long> m = new TreeMap<>();
      md.visitMappings(
          id,
          0,
          Long.MAX_VALUE,
          (v, mapping) -> {
            m.put(v, mapping.dataBlock());
            return true;
          });
      ours.put(id, m);
      assertThat(md.details(id).mappedBlocks()).isEqualTo(m.size());
    }
    assertThat(ours).isEqualTo(model);
    try (FileBlockDevice dev = FileBlockDevice.openReadOnly(meta)) {
      assertThat(PoolCheck.run(dev).problems()).isEmpty();
    }
    ExternalTool.Result check = ExternalTool.run("thin_check", meta.toString());
    assertThat(check.exitCode()).as(check.all()).isZero();
    ExternalTool.Result dump = ExternalTool.run("thin_dump", meta.toString());
    assertThat(dump.exitCode()).as(dump.stderr()).isZero();
    assertThat(dump.stdout()).isEqualTo(org.thinpool.testing.Images.dump(md));

    ThinLsReport report = new ThinLsReport(md.dataBlockSizeSectors(), md.dataSpaceMap().nrBlocks());
    MetadataDumper.dump(md, report.countingPass());
    MetadataDumper.dump(md, report.classifyingPass());
    String fields =
        "DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS,MAPPED_SECTORS,"
            + "EXCLUSIVE_SECTORS,SHARED_SECTORS,MAPPED_BYTES,EXCLUSIVE_BYTES,SHARED_BYTES,MAPPED,"
            + "EXCLUSIVE,SHARED,TRANSACTION,CREATE_TIME,SNAP_TIME";
    ExternalTool.Result ls = ExternalTool.run("thin_ls", "-o", fields, meta.toString());
    assertThat(ls.exitCode()).as(ls.stderr()).isZero();
    if (!model.isEmpty()) {
      assertThat(ls.stdout()).isEqualTo(report.text(ThinLsField.parseList(fields), true));
    }
    if (model.size() >= 2) {
      var ids = new ArrayList<>(model.keySet());
      ExternalTool.Result delta =
          ExternalTool.run(
              "thin_delta",
              "--thin1",
              ids.get(0).toString(),
              "--thin2",
              ids.get(ids.size() - 1).toString(),
              meta.toString());
      assertThat(delta.exitCode()).as(delta.all()).isZero();
      assertThat(delta.stdout()).contains("<diff left=\"" + ids.get(0) + "\"");
    }
  }
}

package org.thinpool.thin.xml;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.testing.Testdata;
import org.thinpool.thin.MetadataDumper;
import org.thinpool.thin.ThinMetadata;
import org.thinpool.thin.check.PoolCheck;

/** Every golden image made by the real tools opens here and dumps exactly as thin_dump did. */
class GoldenMetadataTest {
  static Stream<String> goodImages() throws IOException {
    try (Stream<Path> s = Files.list(Testdata.dmThin())) {
      return s
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".meta") && !n.startsWith("bad_"))
          .map(n -> n.substring(0, n.length() - ".meta".length()))
          .sorted()
          .toList()
          .stream();
    }
  }

  static String dump(Path meta, boolean metadataSnap) throws IOException {
    try (ThinMetadata md = ThinMetadata.open(FileBlockDevice.openReadOnly(meta), true, 256)) {
      StringWriter out = new StringWriter();
      XmlDumpWriter w = new XmlDumpWriter(out);
      if (metadataSnap) {
        MetadataDumper.dumpMetadataSnap(md, md.metadataSnap(), w);
      } else {
        MetadataDumper.dump(md, w);
      }
      return out.toString();
    }
  }

  @ParameterizedTest
  @MethodSource("goodImages")
  void dumpEqualsRealThinDump(String name) throws IOException {
    Path dir = Testdata.dmThin();
    assertThat(dump(dir.resolve(name + ".meta"), false))
        .isEqualTo(Files.readString(dir.resolve(name + ".dump.xml")));
  }

  @Test
  void metadataSnapshotDumpEqualsThinDumpDashM() throws IOException {
    Path dir = Testdata.dmThin();
    assertThat(dump(dir.resolve("metadata_snap.meta"), true))
        .isEqualTo(Files.readString(dir.resolve("metadata_snap.dump-m.xml")));
  }

  @ParameterizedTest
  @MethodSource("goodImages")
  void ourCheckIsCleanOnRealImages(String name) throws IOException {
    Path meta = Testdata.dmThin().resolve(name + ".meta");
    try (FileBlockDevice dev = FileBlockDevice.openReadOnly(meta)) {
      PoolCheck.Report r = PoolCheck.run(dev);
      assertThat(r.problems()).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("badImages")
  void ourCheckReportsEveryBadImage(String name, String expectedFragment) throws IOException {
    Path meta = Testdata.dmThin().resolve(name + ".meta");
    try (FileBlockDevice dev = FileBlockDevice.openReadOnly(meta)) {
      PoolCheck.Report r = PoolCheck.run(dev);
      assertThat(r.clean()).isFalse();
      assertThat(r.problems()).anySatisfy(p -> assertThat(p.message()).contains(expectedFragment));
    }
  }

  static List<org.junit.jupiter.params.provider.Arguments> badImages() {
    return List.of(
        org.junit.jupiter.params.provider.Arguments.of("bad_checksum", "bad checksum"),
        org.junit.jupiter.params.provider.Arguments.of(
            "bad_refcount_low", "metadata reference counts differ for block 10, expected 2"),
        org.junit.jupiter.params.provider.Arguments.of(
            "bad_leak", "metadata reference counts differ for block 15, expected 0, but got 1"),
        org.junit.jupiter.params.provider.Arguments.of(
            "bad_data_refcount", "data reference counts differ for block 5, expected 1, but got 2"),
        org.junit.jupiter.params.provider.Arguments.of("bad_underfull", "too few entries"));
  }
}

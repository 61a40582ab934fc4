package org.thinpool.thin.xml;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.Testdata;
import org.thinpool.thin.Mapping;
import org.thinpool.thin.MetadataDumper;
import org.thinpool.thin.MetadataRestorer;
import org.thinpool.thin.ThinMetadata;
import org.thinpool.thin.check.PoolCheck;

/** Our restore satisfies the real thin_check/thin_dump; the real thin_restore satisfies ours. */
class RestoreRoundTripTest {
  @TempDir Path tmp;

  static Stream<String> inputs() {
    return Stream.of("empty", "one_thin", "snapshot", "two_level", "many", "origin");
  }

  static ThinMetadata restore(Path xml, Path meta, long sizeBytes) throws IOException {
    MetadataRestorer r = new MetadataRestorer(sb -> FileBlockDevice.create(meta, sizeBytes), 512);
    XmlRestoreReader.read(xml, r);
    return r.result();
  }

  @ParameterizedTest
  @MethodSource("inputs")
  void ourRestorePassesRealThinCheckAndDumpsLikeThinRestore(String name) throws IOException {
    Path dir = Testdata.dmThin();
    Path meta = tmp.resolve(name + ".meta");
    restore(dir.resolve(name + ".xml"), meta, 16L << 20).close();
    ExternalTool.Result check = ExternalTool.run("thin_check", meta.toString());
    assertThat(check.exitCode()).as(check.all()).isZero();
    ExternalTool.Result dump = ExternalTool.run("thin_dump", meta.toString());
    assertThat(dump.stdout()).isEqualTo(Files.readString(dir.resolve(name + ".dump.xml")));
    try (FileBlockDevice dev = FileBlockDevice.openReadOnly(meta)) {
      assertThat(PoolCheck.run(dev).problems()).isEmpty();
    }
  }

  @Test
  void realThinRestoreOutputChecksCleanAndReadsEqual() throws IOException {
    Path xml = tmp.resolve("gen.xml");
    StringBuilder sb = new StringBuilder();
    sb.append(
        "<superblock uuid=\"\" time=\"3\" transaction=\"9\" flags=\"0\" version=\"2\""
            + " data_block_size=\"256\" nr_data_blocks=\"40000\">\n");
    long data = 0;
    for (int dev = 0; dev < 7; dev++) {
      sb.append("  <device dev_id=\"")
          .append(dev * 3)
          .append("\" mapped_blocks=\"0\"" + " transaction=\"")
          .append(dev)
          .append("\" creation_time=\"1\" snap_time=\"2\">\n");
      for (int v = 0; v < 700 * dev; v += 1 + (v % 5)) {
        sb.append("    <single_mapping origin_block=\"")
            .append(v)
            .append("\" data_block=\"")
            .append(data++ % 40000)
            .append("\" time=\"")
            .append(v % 3)
            .append("\"/>\n");
      }
      sb.append("  </device>\n");
    }
    sb.append("</superblock>\n");
    Files.writeString(xml, sb);
    Path meta = tmp.resolve("real.meta");
    try (var f = FileBlockDevice.create(meta, 8L << 20)) {
      f.sync();
    }
    ExternalTool.Result r =
        ExternalTool.run("thin_restore", "-i", xml.toString(), "-o", meta.toString());
    assertThat(r.exitCode()).as(r.all()).isZero();
    try (FileBlockDevice dev = FileBlockDevice.openReadOnly(meta)) {
      assertThat(PoolCheck.run(dev).problems()).isEmpty();
    }
    String real = ExternalTool.run("thin_dump", meta.toString()).stdout();
    try (ThinMetadata md = ThinMetadata.open(FileBlockDevice.openReadOnly(meta), true, 256)) {
      StringWriter out = new StringWriter();
      MetadataDumper.dump(md, new XmlDumpWriter(out));
      assertThat(out.toString()).isEqualTo(real);
      Mapping m = md.lookup(3, 1);
      assertThat(m).isNotNull();
    }
  }
}

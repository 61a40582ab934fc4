package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.Images;
import org.thinpool.thin.check.PoolCheck;
import org.thinpool.thin.xml.XmlDumpWriter;

/** reserve / release of the metadata snapshot: a live pool dumped consistently. */
class MetadataSnapshotTest {
  @TempDir Path tmp;

  static String dumpSnap(ThinMetadata md) throws IOException {
    StringWriter out = new StringWriter();
    MetadataDumper.dumpMetadataSnap(md, md.metadataSnap(), new XmlDumpWriter(out));
    return out.toString();
  }

  @Test
  void snapshotKeepsTheReservedStateWhileThePoolChanges() throws IOException {
    Path meta = tmp.resolve("metadata");
    try (ThinMetadata md =
        ThinMetadata.format(FileBlockDevice.create(meta, 8L << 20), 128, 50_000, 128)) {
      md.createThin(1);
      for (long v = 0; v < 1000; v++) {
        md.insertMapping(1, v, md.allocDataBlock());
      }
      md.createSnap(2, 1);
      md.commit();
      String before = Images.dump(md);
      md.reserveMetadataSnap();
      assertThatThrownBy(md::reserveMetadataSnap).isInstanceOf(MetadataStateException.class);
      for (long v = 0; v < 1000; v += 3) {
        md.insertMapping(1, v, md.allocDataBlock());
      }
      md.removeRange(2, 100, 400);
      md.delete(2);
      md.createThin(7);
      md.commit();
      String snapDump = dumpSnap(md);
      String liveDump = Images.dump(md);
      assertThat(liveDump).isNotEqualTo(before);
      // thin_dump -m prints nr_data_blocks="0"; otherwise the reserved state exactly.
      assertThat(snapDump)
          .isEqualTo(before.replace("nr_data_blocks=\"50000\"", "nr_data_blocks=\"0\""));
      assertThat(PoolCheck.run(FileBlockDevice.openReadOnly(meta)).problems()).isEmpty();
      ExternalTool.Result check = ExternalTool.run("thin_check", meta.toString());
      assertThat(check.exitCode()).as(check.all()).isZero();
      ExternalTool.Result realM = ExternalTool.run("thin_dump", "-m", meta.toString());
      assertThat(realM.stdout()).isEqualTo(snapDump);
      assertThat(ExternalTool.run("thin_dump", meta.toString()).stdout()).isEqualTo(liveDump);

      md.releaseMetadataSnap();
      assertThat(md.metadataSnap()).isZero();
      assertThat(PoolCheck.run(FileBlockDevice.openReadOnly(meta)).problems()).isEmpty();
      check = ExternalTool.run("thin_check", meta.toString());
      assertThat(check.exitCode()).as(check.all()).isZero();
      assertThat(Images.dump(md)).isEqualTo(liveDump);
    }
  }

  @Test
  void releaseWithoutReserveIsAClearError() throws IOException {
    try (ThinMetadata md =
        ThinMetadata.format(FileBlockDevice.create(tmp.resolve("m"), 1 << 20), 128, 100, 64)) {
      assertThatThrownBy(md::releaseMetadataSnap)
          .isInstanceOf(MetadataStateException.class)
          .hasMessageContaining("no metadata snapshot");
    }
  }
}

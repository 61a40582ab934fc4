package org.thinpool.thin.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.thinpool.testing.Testdata;
import org.thinpool.thin.DeviceInfo;
import org.thinpool.thin.SuperblockInfo;

/** XmlDumpWriter reproduces thin_dump 0.9.0 byte for byte. */
class XmlDumpWriterTest {
  private static final SuperblockInfo SB = new SuperblockInfo("", 1, 2, 0, 2, 128, 64);
  private static final String SB_LINE =
      "<superblock uuid=\"\" time=\"1\" transaction=\"2\" flags=\"0\" version=\"2\""
          + " data_block_size=\"128\" nr_data_blocks=\"64\">\n";

  /** Every thin_dump output among the golden files: {@code *.dump.xml} and {@code *.dump-m.xml}. */
  static Stream<String> goldenDumps() throws IOException {
    try (Stream<Path> files = Files.list(Testdata.dmThin())) {
      List<String> names =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".dump.xml") || n.endsWith(".dump-m.xml"))
              .sorted()
              .toList();
      assertThat(names).contains("snapshot.dump.xml", "metadata_snap.dump-m.xml");
      return names.stream();
    }
  }

  /**
   * The hand-written thin_restore inputs that have a thin_dump of their restored image. For all of
   * them thin_restore 0.9.0 keeps every value (their mapped_blocks are right); the only change is
   * that thin_dump merges runs the input wrote as separate single_mappings (many.xml), which the
   * writer does as well.
   */
  static Stream<String> restoreInputs() throws IOException {
    Path dir = Testdata.dmThin();
    try (Stream<Path> files = Files.list(dir)) {
      List<String> names =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".xml") && n.indexOf('.') == n.length() - 4)
              .map(n -> n.substring(0, n.length() - 4))
              .filter(n -> Files.exists(dir.resolve(n + ".dump.xml")))
              .sorted()
              .toList();
      assertThat(names).contains("many", "one_thin");
      return names.stream();
    }
  }

  static String redump(Path xml) throws IOException {
    StringWriter out = new StringWriter();
    XmlRestoreReader.read(xml, new XmlDumpWriter(out));
    return out.toString();
  }

  @ParameterizedTest
  @MethodSource("goldenDumps")
  void reproducesEveryGoldenDumpByteForByte(String name) throws IOException {
    Path golden = Testdata.dmThin().resolve(name);
    assertThat(redump(golden)).isEqualTo(Files.readString(golden, StandardCharsets.US_ASCII));
  }

  @ParameterizedTest
  @MethodSource("restoreInputs")
  void redumpsRestoreInputsAsThinDumpOfTheRestoredImage(String name) throws IOException {
    Path dir = Testdata.dmThin();
    assertThat(redump(dir.resolve(name + ".xml")))
        .isEqualTo(Files.readString(dir.resolve(name + ".dump.xml"), StandardCharsets.US_ASCII));
  }

  @Test
  void mergesRunsOnlyWhileOriginDataAndTimeAllAdvanceTogether() throws IOException {
    StringWriter out = new StringWriter();
    XmlDumpWriter w = new XmlDumpWriter(out);
    w.superblock(SB);
    w.beginDevice(new DeviceInfo(7, 9, 1, 0, 1));
    long[][] mappings = {
      {0, 10, 1},
      {1, 11, 1},
      {2, 12, 1}, // a range of 3
      {3, 13, 0}, // time differs: new run
      {4, 15, 0}, // data jumps: new run
      {6, 16, 0}, // origin jumps: new run
      {7, 17, 0}, // extends the previous one
      {8, 17, 0}, // same data block again: new run
      {9, 0, 0} // data goes down: new run
    };
    for (long[] m : mappings) {
      w.mapping(m[0], m[1], m[2]);
    }
    w.endDevice();
    w.end();
    assertThat(out.toString())
        .isEqualTo(
            SB_LINE
                + "  <device dev_id=\"7\" mapped_blocks=\"9\" transaction=\"1\""
                + " creation_time=\"0\" snap_time=\"1\">\n"
                + "    <range_mapping origin_begin=\"0\" data_begin=\"10\" length=\"3\""
                + " time=\"1\"/>\n"
                + "    <single_mapping origin_block=\"3\" data_block=\"13\" time=\"0\"/>\n"
                + "    <single_mapping origin_block=\"4\" data_block=\"15\" time=\"0\"/>\n"
                + "    <range_mapping origin_begin=\"6\" data_begin=\"16\" length=\"2\""
                + " time=\"0\"/>\n"
                + "    <single_mapping origin_block=\"8\" data_block=\"17\" time=\"0\"/>\n"
                + "    <single_mapping origin_block=\"9\" data_block=\"0\" time=\"0\"/>\n"
                + "  </device>\n"
                + "</superblock>\n");
  }

  @Test
  void writesAnEmptyDeviceAsSeparateOpenAndCloseLines() throws IOException {
    StringWriter out = new StringWriter();
    XmlDumpWriter w = new XmlDumpWriter(out);
    w.superblock(SB);
    w.beginDevice(new DeviceInfo(3, 0, 0, 0, 0));
    w.endDevice();
    w.end();
    assertThat(out.toString())
        .isEqualTo(
            SB_LINE
                + "  <device dev_id=\"3\" mapped_blocks=\"0\" transaction=\"0\""
                + " creation_time=\"0\" snap_time=\"0\">\n"
                + "  </device>\n"
                + "</superblock>\n");
  }

  @Test
  void writesAsciiToAStreamAndEscapesTheUuid() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    XmlDumpWriter w = XmlDumpWriter.toStream(bytes);
    w.superblock(new SuperblockInfo("a<\"&>é\uD83D\uDE00", 0, 0, 1, 2, 128, 0));
    w.end();
    String text = bytes.toString(StandardCharsets.US_ASCII);
    assertThat(text)
        .isEqualTo(
            "<superblock uuid=\"a&lt;&quot;&amp;&gt;&#xe9;&#x1f600;\" time=\"0\""
                + " transaction=\"0\" flags=\"1\" version=\"2\" data_block_size=\"128\""
                + " nr_data_blocks=\"0\">\n</superblock>\n");
    RecordingSink back = new RecordingSink();
    XmlRestoreReader.read(new StringReader(text), back);
    assertThat(back.events.get(0)).contains("a<\"&>é\uD83D\uDE00");
  }

  @Test
  void streamsMillionsOfMappingsWithoutKeepingThem() throws IOException {
    long[] chars = {0};
    Writer counting =
        new Writer() {
          @Override
          public void write(char[] buf, int off, int len) {
            chars[0] += len;
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    XmlDumpWriter w = new XmlDumpWriter(counting);
    w.superblock(SB);
    w.beginDevice(new DeviceInfo(0, 5_000_000, 0, 0, 0));
    for (long i = 0; i < 5_000_000; i++) {
      w.mapping(i, i, 0);
    }
    w.endDevice();
    w.end();
    assertThat(chars[0]).isLessThan(500);
  }

  @Test
  void rejectsMisuseAsProgrammerErrors() throws IOException {
    XmlDumpWriter w = new XmlDumpWriter(new StringWriter());
    assertThatThrownBy(() -> w.mapping(0, 0, 0)).isInstanceOf(AssertionError.class);
    w.superblock(SB);
    assertThatThrownBy(() -> w.superblock(SB)).isInstanceOf(AssertionError.class);
    w.beginDevice(new DeviceInfo(0, 0, 0, 0, 0));
    w.mapping(5, 0, 0);
    assertThatThrownBy(() -> w.mapping(5, 1, 0)).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> w.mapping(4, 1, 0)).isInstanceOf(AssertionError.class);
    assertThatThrownBy(w::end).isInstanceOf(AssertionError.class);
  }
}

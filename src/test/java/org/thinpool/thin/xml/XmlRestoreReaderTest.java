package org.thinpool.thin.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.thinpool.testing.Testdata;
import org.thinpool.thin.DeviceInfo;
import org.thinpool.thin.RestoreSink;
import org.thinpool.thin.SuperblockInfo;

/** XmlRestoreReader: the 0.9.0 format, the Rust 1.x additions, and every kind of bad input. */
class XmlRestoreReaderTest {
  private static final String SB =
      "<superblock uuid=\"\" time=\"1\" transaction=\"2\" flags=\"0\" version=\"2\""
          + " data_block_size=\"128\" nr_data_blocks=\"64\">\n";
  private static final String DEV =
      "<device dev_id=\"0\" mapped_blocks=\"0\" transaction=\"0\" creation_time=\"0\""
          + " snap_time=\"0\">\n";

  static List<String> read(String xml) throws IOException {
    RecordingSink sink = new RecordingSink();
    XmlRestoreReader.read(new StringReader(xml), sink);
    return sink.events;
  }

  static String redump(String xml) throws IOException {
    StringWriter out = new StringWriter();
    XmlRestoreReader.read(new StringReader(xml), new XmlDumpWriter(out));
    return out.toString();
  }

  @Test
  void drivesTheSinkWithOneCallPerMappedBlock() throws IOException {
    RecordingSink sink = new RecordingSink();
    XmlRestoreReader.read(Testdata.dmThin().resolve("snapshot.dump.xml"), sink);
    assertThat(sink.events)
        .startsWith(
            new SuperblockInfo("", 1, 2, 0, 2, 128, 64).toString(),
            new DeviceInfo(0, 16, 0, 0, 1).toString(),
            "map 0 0 0",
            "map 1 1 0",
            "map 2 2 0",
            "map 3 16 1",
            "map 4 4 0")
        .endsWith("map 20 19 1", "endDevice", "end")
        .hasSize(1 + 2 * 2 + 16 + 17 + 1);
  }

  @Test
  void readsBytesWithADeclarationCommentsAndBlankText() throws IOException {
    String xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- made by hand -->\n"
            + SB
            + "  <!-- a comment -->\n  "
            + DEV
            + "    <single_mapping origin_block=\"4\" data_block=\"5\" time=\"6\"/>\n"
            + "  </device>\n</superblock>\n";
    RecordingSink sink = new RecordingSink();
    InputStream in = new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8));
    XmlRestoreReader.read(in, sink);
    assertThat(sink.events).contains("map 4 5 6").endsWith("endDevice", "end");
  }

  @Test
  void acceptsTheRust1xSuperblockWithoutFlagsAndVersion() throws IOException {
    List<String> events =
        read(
            "<superblock uuid=\"u\" time=\"3\" transaction=\"4\" data_block_size=\"256\""
                + " nr_data_blocks=\"9\" metadata_snap=\"12\"></superblock>");
    assertThat(events)
        .containsExactly(
            new SuperblockInfo(
                    "u",
                    3,
                    4,
                    XmlRestoreReader.DEFAULT_FLAGS,
                    XmlRestoreReader.DEFAULT_VERSION,
                    256,
                    9)
                .toString(),
            "end");
  }

  @Test
  void replaysDefBlocksWhereDevicesReferToThem() throws IOException {
    String xml =
        SB
            + "  <def name=\"a\">\n"
            + "    <range_mapping origin_begin=\"10\" data_begin=\"20\" length=\"3\" time=\"0\"/>\n"
            + "    <single_mapping origin_block=\"14\" data_block=\"30\" time=\"1\"/>\n"
            + "  </def>\n"
            + "  <def name=\"empty\">\n  </def>\n"
            + "  <device dev_id=\"1\" mapped_blocks=\"6\" transaction=\"0\" creation_time=\"0\""
            + " snap_time=\"1\">\n"
            + "    <single_mapping origin_block=\"2\" data_block=\"2\" time=\"0\"/>\n"
            + "    <ref name=\"a\"/>\n"
            + "    <ref name=\"empty\"/>\n"
            + "    <single_mapping origin_block=\"15\" data_block=\"31\" time=\"1\"/>\n"
            + "  </device>\n"
            + "  <device dev_id=\"2\" mapped_blocks=\"4\" transaction=\"0\" creation_time=\"1\""
            + " snap_time=\"1\">\n"
            + "    <ref name=\"a\"/>\n"
            + "  </device>\n"
            + "</superblock>\n";
    String plain =
        SB
            + "  <device dev_id=\"1\" mapped_blocks=\"6\" transaction=\"0\" creation_time=\"0\""
            + " snap_time=\"1\">\n"
            + "    <single_mapping origin_block=\"2\" data_block=\"2\" time=\"0\"/>\n"
            + "    <range_mapping origin_begin=\"10\" data_begin=\"20\" length=\"3\" time=\"0\"/>\n"
            + "    <range_mapping origin_begin=\"14\" data_begin=\"30\" length=\"2\" time=\"1\"/>\n"
            + "  </device>\n"
            + "  <device dev_id=\"2\" mapped_blocks=\"4\" transaction=\"0\" creation_time=\"1\""
            + " snap_time=\"1\">\n"
            + "    <range_mapping origin_begin=\"10\" data_begin=\"20\" length=\"3\" time=\"0\"/>\n"
            + "    <single_mapping origin_block=\"14\" data_block=\"30\" time=\"1\"/>\n"
            + "  </device>\n"
            + "</superblock>\n";
    assertThat(redump(xml)).isEqualTo(plain);
    assertThat(read(xml))
        .containsSubsequence(
            "map 2 2 0",
            "map 10 20 0",
            "map 11 21 0",
            "map 12 22 0",
            "map 14 30 1",
            "map 15 31 1",
            "endDevice");
  }

  static Stream<Arguments> badInputs() {
    String single = "<single_mapping origin_block=\"1\" data_block=\"2\" time=\"0\"/>";
    String end = "</device></superblock>";
    return Stream.of(
        bad("unknown element", SB + "<foo/></superblock>", 2, "unknown element <foo>"),
        bad("unknown root", "<device/>", 1, "<device> not allowed as the root element"),
        bad(
            "unknown attribute",
            SB
                + DEV
                + "<single_mapping origin_block=\"1\""
                + " data_block=\"2\" time=\"0\" colour=\"red\"/>"
                + end,
            3,
            "unknown attribute colour on <single_mapping>"),
        bad(
            "missing attribute",
            SB + "<device dev_id=\"1\"/></superblock>",
            2,
            "<device> is missing attribute mapped_blocks"),
        bad(
            "non-numeric",
            SB
                + DEV
                + "<single_mapping origin_block=\"x1\" data_block=\"2\""
                + " time=\"0\"/>"
                + end,
            3,
            "origin_block=\"x1\" of <single_mapping> is not an"),
        bad(
            "negative",
            SB
                + DEV
                + "<single_mapping origin_block=\"-1\" data_block=\"2\""
                + " time=\"0\"/>"
                + end,
            3,
            "is not an unsigned decimal number"),
        bad("empty number", SB.replace("time=\"1\"", "time=\"\""), 1, "time=\"\""),
        bad(
            "u64 beyond a long",
            SB
                + DEV
                + "<single_mapping origin_block=\"9223372036854775808\""
                + " data_block=\"2\" time=\"0\"/>"
                + end,
            3,
            "is larger than 9223372036854775807"),
        bad(
            "time beyond u32",
            SB
                + DEV
                + "<single_mapping origin_block=\"1\" data_block=\"2\""
                + " time=\"4294967296\"/>"
                + end,
            3,
            "is larger than 4294967295"),
        bad(
            "mapping outside a device",
            SB + "\n" + single + "</superblock>",
            3,
            "<single_mapping> outside a <device>"),
        bad(
            "range outside a device",
            SB
                + "<range_mapping origin_begin=\"1\" data_begin=\"2\""
                + " length=\"2\" time=\"0\"/></superblock>",
            2,
            "<range_mapping> outside a <device>"),
        bad(
            "ref outside a device",
            SB + "<ref name=\"a\"/></superblock>",
            2,
            "<ref> outside a <device>"),
        bad(
            "duplicate dev_id",
            SB + DEV + "</device>\n" + DEV + end,
            4,
            "duplicate <device dev_id=\"0\">"),
        bad("nested device", SB + DEV + DEV + end + end, 3, "<device> not allowed inside <device>"),
        bad(
            "origin repeated",
            SB + DEV + single + "\n" + single + end,
            4,
            "<single_mapping> origin block 1 is not above the previous mapping's 1 in device 0"),
        bad(
            "origin inside the previous range",
            SB
                + DEV
                + "<range_mapping origin_begin=\"0\""
                + " data_begin=\"0\" length=\"5\" time=\"0\"/>\n"
                + single
                + end,
            4,
            "origin block 1 is not above the previous mapping's 4"),
        bad(
            "descending inside a def",
            SB
                + "<def name=\"d\">\n<single_mapping origin_block=\"9\""
                + " data_block=\"2\" time=\"0\"/>\n"
                + single
                + "</def></superblock>",
            4,
            "origin block 1 is not above the previous mapping's 9 in <def name=\"d\">"),
        bad(
            "ref overlapping earlier mappings",
            SB
                + "<def name=\"d\">"
                + single
                + "</def>\n"
                + DEV
                + "<single_mapping origin_block=\"3\" data_block=\"2\" time=\"0\"/>\n"
                + "<ref name=\"d\"/>"
                + end,
            5,
            "<ref name=\"d\"> origin block 1 is not above"),
        bad(
            "unknown ref name",
            SB + DEV + "\n<ref name=\"nope\"/>" + end,
            4,
            "<ref name=\"nope\"> names no earlier <def>"),
        bad(
            "ref before its def",
            SB + DEV + "<ref name=\"d\"/></device>\n<def name=\"d\"></def>" + "</superblock>",
            3,
            "names no earlier <def>"),
        bad(
            "duplicate def",
            SB + "<def name=\"d\"></def>\n<def name=\"d\"></def></superblock>",
            3,
            "duplicate <def name=\"d\">"),
        bad(
            "def inside a device",
            SB + DEV + "<def name=\"d\"></def>" + end,
            3,
            "<def> not allowed inside <device>"),
        bad(
            "ref inside a def",
            SB + "<def name=\"d\"><ref name=\"d\"/></def></superblock>",
            2,
            "<ref> not allowed inside <def>"),
        bad(
            "child of a mapping",
            SB
                + DEV
                + "<single_mapping origin_block=\"1\" data_block=\"2\""
                + " time=\"0\"><foo/></single_mapping>"
                + end,
            3,
            "unknown element <foo>"),
        bad(
            "range of length 0",
            SB
                + DEV
                + "<range_mapping origin_begin=\"1\" data_begin=\"2\""
                + " length=\"0\" time=\"0\"/>"
                + end,
            3,
            "<range_mapping> has length 0"),
        bad(
            "data block beyond 40 bits",
            SB
                + DEV
                + "<range_mapping origin_begin=\"1\""
                + " data_begin=\"1099511627775\" length=\"2\" time=\"0\"/>"
                + end,
            3,
            "maps data blocks beyond the 40-bit limit 1099511627775"),
        bad(
            "origin range beyond a long",
            SB
                + DEV
                + "<range_mapping"
                + " origin_begin=\"9223372036854775807\" data_begin=\"0\" length=\"2\" time=\"0\"/>"
                + end,
            3,
            "maps origin blocks beyond"),
        bad("text", SB + DEV + "\nhello" + end, 4, "unexpected text \"hello\""),
        bad(
            "malformed",
            SB + DEV + "\n<single_mapping origin_block=\"1\"" + end,
            4,
            "malformed XML"),
        bad("unclosed document", SB + DEV, 3, "malformed XML"),
        bad("empty document", "", 1, "malformed XML"));
  }

  private static Arguments bad(String what, String xml, int line, String reason) {
    return Arguments.of(what, xml, line, reason);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void rejectsBadInputWithTheLineAndAOneLineReason(
      String what, String xml, int line, String reason) {
    XmlFormatException e = catchThrowableOfType(XmlFormatException.class, () -> read(xml));
    assertThat(e).as(what).isNotNull();
    assertThat(e.getMessage())
        .startsWith("line " + line + ": ")
        .contains(reason)
        .doesNotContain("\n");
    assertThat(e.lineNumber()).isEqualTo(line);
  }

  @Test
  void rejectsDtdsExternalEntitiesAndEntityExpansion() {
    String xxe =
        "<?xml version=\"1.0\"?>\n"
            + "<!DOCTYPE superblock [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
            + "<superblock uuid=\"&x;\" time=\"0\" transaction=\"0\" data_block_size=\"128\""
            + " nr_data_blocks=\"0\"></superblock>";
    String laughs =
        "<!DOCTYPE superblock [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;\">"
            + "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n"
            + "<superblock uuid=\"&c;\" time=\"0\" transaction=\"0\" data_block_size=\"128\""
            + " nr_data_blocks=\"0\"></superblock>";
    for (String xml : List.of(xxe, laughs)) {
      assertThatThrownBy(() -> read(xml))
          .isInstanceOf(XmlFormatException.class)
          .hasMessageStartingWith("line ")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("root:"));
    }
  }

  @Test
  void passesTheSinksIoExceptionThroughUnchanged() {
    IOException boom = new IOException("disk full");
    RestoreSink failing =
        new RestoreSink() {
          @Override
          public void superblock(SuperblockInfo sb) {}

          @Override
          public void beginDevice(DeviceInfo d) throws IOException {
            throw boom;
          }

          @Override
          public void mapping(long originBlock, long dataBlock, long time) {}

          @Override
          public void endDevice() {}

          @Override
          public void end() {}
        };
    String xml = SB + DEV + "</device></superblock>";
    assertThatThrownBy(() -> XmlRestoreReader.read(new StringReader(xml), failing)).isSameAs(boom);
  }
}

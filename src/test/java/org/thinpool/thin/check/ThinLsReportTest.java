package org.thinpool.thin.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.Testdata;
import org.thinpool.thin.DeviceInfo;
import org.thinpool.thin.RestoreSink;
import org.thinpool.thin.SuperblockInfo;
import org.thinpool.thin.xml.XmlDumpWriter;
import org.thinpool.thin.xml.XmlRestoreReader;

/** ThinLsReport reproduces thin_ls 0.9.0 from the mappings of a dump. */
class ThinLsReportTest {
  /** Room for the biggest pool below (8193 mappings in about 70 leaves). */
  private static final long METADATA_FILE_BYTES = 8L << 20;

  /** Golden thin_ls outputs and the thin_dump of the same metadata (with -m for -m). */
  static Stream<String[]> goldenLs() throws IOException {
    try (Stream<Path> files = Files.list(Testdata.dmThin())) {
      List<String[]> pairs =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".ls.txt") || n.endsWith(".ls-m.txt"))
              .sorted()
              .map(n -> new String[] {n, n.replace(".ls", ".dump").replace(".txt", ".xml")})
              .toList();
      assertThat(pairs).hasSizeGreaterThanOrEqualTo(10);
      return pairs.stream();
    }
  }

  /** Two passes over the dump, as a caller with a metadata engine would walk the trees twice. */
  static ThinLsReport reportOf(Path dumpXml) throws IOException {
    SuperblockCapture sb = new SuperblockCapture();
    XmlRestoreReader.read(dumpXml, sb);
    ThinLsReport report = ThinLsReport.of(sb.info);
    XmlRestoreReader.read(dumpXml, report.countingPass());
    XmlRestoreReader.read(dumpXml, report.classifyingPass());
    return report;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldenLs")
  void reproducesTheGoldenAllFieldsOutput(String lsName, String dumpName) throws IOException {
    Path dir = Testdata.dmThin();
    ThinLsReport report = reportOf(dir.resolve(dumpName));
    assertThat(report.text(ThinLsField.ALL, true))
        .isEqualTo(Files.readString(dir.resolve(lsName), StandardCharsets.US_ASCII));
  }

  @Test
  void printsTheDefaultFieldsLikePlainThinLs() throws IOException {
    ThinLsReport report = reportOf(Testdata.dmThin().resolve("snapshot.dump.xml"));
    assertThat(report.text(ThinLsField.DEFAULT, true))
        .isEqualTo(
            "DEV  MAPPED CREATE_TIME SNAP_TIME \n"
                + "  0 1024KiB           0         1 \n"
                + "  1 1088KiB           1         1 \n");
    assertThat(report.text(ThinLsField.DEFAULT, false))
        .isEqualTo("0 1024KiB 0 1 \n1 1088KiB 1 1 \n");
    ThinLsReport empty = reportOf(Testdata.dmThin().resolve("empty.dump.xml"));
    assertThat(empty.text(ThinLsField.DEFAULT, false)).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("goldenLs")
  void agreesWithRealThinLsOnDefaultFieldsAndWithoutHeaders(String lsName, String dumpName)
      throws IOException {
    Path dir = Testdata.dmThin();
    String meta = dir.resolve(lsName.substring(0, lsName.indexOf('.')) + ".meta").toString();
    String m = lsName.endsWith("-m.txt") ? "-m" : "";
    ThinLsReport report = reportOf(dir.resolve(dumpName));
    List<String> args = m.isEmpty() ? List.of(meta) : List.of(m, meta);
    assertThat(report.text(ThinLsField.DEFAULT, true)).isEqualTo(thinLs(args));
    List<String> noHeaders = Stream.concat(Stream.of("--no-headers"), args.stream()).toList();
    assertThat(report.text(ThinLsField.DEFAULT, false)).isEqualTo(thinLs(noHeaders));
  }

  private static String thinLs(List<String> args) throws IOException {
    ExternalTool.Result r = ExternalTool.run("thin_ls", args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    return r.stdout();
  }

  /** Observed with /usr/sbin/thin_ls 0.9.0 on pools made by thin_restore (block size x count). */
  @ParameterizedTest
  @CsvSource({
    "0, 0",
    "512, 512",
    "8192, 8192",
    "8704, 9KiB",
    "9216, 9KiB",
    "9728, 10KiB",
    "15872, 16KiB",
    "1047040, 1023KiB",
    "1048576, 1024KiB",
    "1049088, 1024KiB",
    "1050112, 1025KiB",
    "1245184, 1216KiB",
    "39321600, 38MiB",
    "196476928, 187MiB",
    "196804608, 188MiB",
    "8589934592, 8192MiB",
    "8590000128, 8192MiB",
    "8590983168, 8GiB",
    "9663653376, 9GiB",
    "9663676416, 9GiB",
    "8796093022208, 8192GiB",
    "8797166764032, 8TiB",
    "9223372036854775807, 8191PiB",
    "-1, 16EiB"
  })
  void formatsHumanUnitsLikeThinLs(long bytes, String expected) {
    assertThat(DiskUnits.format(bytes)).isEqualTo(expected);
  }

  /** Makes pools with thin_restore and compares thin_ls's units with ours. */
  @ParameterizedTest
  @CsvSource({"1, 17", "1, 2049", "1, 2051", "128, 300", "2048, 8193", "2097152, 9", "129, 1"})
  void agreesWithRealThinLsOnUnitsOfRestoredPools(long blockSize, long blocks, @TempDir Path tmp)
      throws IOException {
    ExternalTool.require("thin_restore");
    StringWriter xml = new StringWriter();
    XmlDumpWriter w = new XmlDumpWriter(xml);
    ThinLsReport report = new ThinLsReport(blockSize, blocks + 10);
    w.superblock(new SuperblockInfo("", 0, 1, 0, 2, blockSize, blocks + 10));
    DeviceInfo d = new DeviceInfo(1, blocks, 0, 0, 0);
    w.beginDevice(d);
    for (long b = 0; b < blocks; b++) {
      w.mapping(b, b, 0);
      report.countMapping(b);
    }
    w.endDevice();
    w.end();
    report.beginDevice(d);
    for (long b = 0; b < blocks; b++) {
      report.classifyMapping(b);
    }
    report.endDevice();
    Path in = tmp.resolve("pool.xml");
    Path meta = tmp.resolve("pool.meta");
    Files.writeString(in, xml.toString());
    try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "rw")) {
      f.setLength(METADATA_FILE_BYTES);
    }
    ExternalTool.Result r =
        ExternalTool.run("thin_restore", "-i", in.toString(), "-o", meta.toString());
    assertThat(r.exitCode()).as(r.all()).isZero();
    String all = String.join(",", ThinLsField.ALL.stream().map(Enum::name).toList());
    assertThat(report.text(ThinLsField.ALL, true))
        .isEqualTo(thinLs(List.of("-o", all, meta.toString())));
  }

  @Test
  void countsMappingsNotDevicesLikeThinLs() {
    // thin_ls 0.9.0 on a device mapping data block 5 twice: 3 mapped, 1 exclusive, 2 shared.
    ThinLsReport report = new ThinLsReport(128, 100);
    long[] data = {5, 5, 6};
    for (long b : data) {
      report.countMapping(b);
    }
    report.beginDevice(new DeviceInfo(1, 3, 0, 0, 0));
    for (long b : data) {
      report.classifyMapping(b);
    }
    report.endDevice();
    report.beginDevice(new DeviceInfo(2, 0, 0, 0, 0));
    report.endDevice();
    assertThat(report.rows())
        .containsExactly(
            new ThinLsRow(1, 3, 1, 2, 0, 0, 0, OptionalLong.empty()),
            new ThinLsRow(2, 0, 0, 0, 0, 0, 0, OptionalLong.empty()));
  }

  @Test
  void takesMappedBlocksFromTheDetailsLikeThinLs() {
    // thin_ls 0.9.0 on snapshot.meta with device 1's mapped_blocks patched to 1000 printed
    // 1000 mapped, 4 exclusive, 996 shared, 63MiB; patched to 2 it printed a wrapped shared count.
    ThinLsReport report = new ThinLsReport(128, 64);
    report.countMapping(1);
    report.beginDevice(new DeviceInfo(1, 1000, 0, 0, 0));
    report.classifyMapping(1);
    report.endDevice();
    report.beginDevice(new DeviceInfo(2, 0, 0, 0, 0));
    report.classifyMapping(1);
    report.endDevice();
    assertThat(report.rows())
        .extracting(ThinLsRow::mappedBlocks, ThinLsRow::exclusiveBlocks, ThinLsRow::sharedBlocks)
        .containsExactly(tuple(1000L, 1L, 999L), tuple(0L, 1L, 0L));
  }

  @Test
  void classifiesLikeANaiveCountOverRandomMappings() {
    Random rng = new Random(42);
    int devices = 20;
    long nrDataBlocks = 300_000;
    long[][] data = new long[devices][];
    Map<Long, Integer> counts = new HashMap<>();
    // some blocks beyond nr_data_blocks (e.g. the nr_data_blocks="0" of a metadata snapshot)
    ThinLsReport report = new ThinLsReport(128, nrDataBlocks / 2);
    for (int d = 0; d < devices; d++) {
      data[d] = new long[rng.nextInt(5_000)];
      for (int i = 0; i < data[d].length; i++) {
        data[d][i] = rng.nextInt(10) == 0 ? rng.nextInt(50) : rng.nextLong(nrDataBlocks);
        counts.merge(data[d][i], 1, Integer::sum);
        report.countMapping(data[d][i]);
      }
    }
    for (int d = devices - 1; d >= 0; d--) {
      report.beginDevice(new DeviceInfo(d, data[d].length, 0, 0, 0));
      for (long b : data[d]) {
        report.classifyMapping(b);
      }
      report.endDevice();
    }
    List<ThinLsRow> rows = report.rows();
    assertThat(rows).extracting(ThinLsRow::devId).isSorted().hasSize(devices);
    for (ThinLsRow row : rows) {
      long[] blocks = data[(int) row.devId()];
      long exclusive = Arrays.stream(blocks).filter(b -> counts.get(b) == 1).count();
      assertThat(row.exclusiveBlocks()).isEqualTo(exclusive);
      assertThat(row.sharedBlocks()).isEqualTo(blocks.length - exclusive);
    }
  }

  @Test
  void acceptsDataBlocksFarBeyondNrDataBlocksAndRejectsThoseBeyond40Bits() {
    ThinLsReport report = new ThinLsReport(128, 0);
    long far = (1L << 40) - 1;
    report.countMapping(far);
    report.countMapping(far - 1);
    report.countMapping(far - 1);
    report.beginDevice(new DeviceInfo(0, 2, 0, 0, 0));
    report.classifyMapping(far);
    report.classifyMapping(far - 1);
    report.endDevice();
    assertThat(report.rows().get(0).exclusiveBlocks()).isEqualTo(1);
    assertThatThrownBy(() -> new ThinLsReport(128, 0).countMapping(1L << 40))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void writesJsonWithOptionalSizes() throws IOException {
    ThinLsReport report = new ThinLsReport(128, 64);
    XmlRestoreReader.read(Testdata.dmThin().resolve("snapshot.dump.xml"), report.countingPass());
    report.beginDevice(new DeviceInfo(1, 17, 1, 1, 1), OptionalLong.of(1L << 30));
    for (long b : new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 18, 13, 14, 15, 19}) {
      report.classifyMapping(b);
    }
    report.endDevice();
    report.beginDevice(new DeviceInfo(0, 0, 0, 0, 1));
    report.endDevice();
    assertThat(report.json())
        .isEqualTo(
            "[\n"
                + "  {\"id\": 0, \"size\": null, \"mapped_blocks\": 0, \"exclusive_blocks\": 0,"
                + " \"shared_blocks\": 0, \"transaction\": 0, \"creation_time\": 0,"
                + " \"snap_time\": 1},\n"
                + "  {\"id\": 1, \"size\": 1073741824, \"mapped_blocks\": 17,"
                + " \"exclusive_blocks\": 4, \"shared_blocks\": 13, \"transaction\": 1,"
                + " \"creation_time\": 1, \"snap_time\": 1}\n"
                + "]\n");
    assertThat(new ThinLsReport(128, 0).json()).isEqualTo("[]\n");
  }

  @Test
  void parsesFieldListsLikeDashO() {
    assertThat(ThinLsField.parseList("DEV,MAPPED,DEV"))
        .containsExactly(ThinLsField.DEV, ThinLsField.MAPPED, ThinLsField.DEV);
    assertThat(ThinLsField.ALL).hasSize(16);
    assertThatThrownBy(() -> ThinLsField.parseList("DEV,FOO"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown field: FOO");
  }

  @Test
  void rejectsCountingAfterClassifyingBegan() {
    ThinLsReport report = new ThinLsReport(128, 64);
    report.beginDevice(new DeviceInfo(0, 0, 0, 0, 0));
    assertThatThrownBy(() -> report.countMapping(1)).isInstanceOf(AssertionError.class);
    report.endDevice();
    assertThatThrownBy(() -> report.beginDevice(new DeviceInfo(0, 0, 0, 0, 0)))
        .isInstanceOf(AssertionError.class);
  }

  /** Keeps the superblock and ignores the rest. */
  private static final class SuperblockCapture implements RestoreSink {
    SuperblockInfo info;

    @Override
    public void superblock(SuperblockInfo sb) {
      info = sb;
    }

    @Override
    public void beginDevice(DeviceInfo d) {}

    @Override
    public void mapping(long originBlock, long dataBlock, long time) {}

    @Override
    public void endDevice() {}

    @Override
    public void end() {}
  }
}

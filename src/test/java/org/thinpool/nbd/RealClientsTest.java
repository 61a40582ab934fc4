package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.testing.ExternalTool.ok;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;

/** Issue 9 item 9: the server as unmodified NBD clients use it. */
class RealClientsTest {
  static final long MIB = 1 << 20;

  @TempDir Path tmp;

  @Test
  void qemuIoPatternsAtUnalignedOffsetsReadBack() throws IOException {
    try (ServedPool s = new ServedPool(tmp.resolve("pool"), 256 * MIB, false, 64 * MIB)) {
      String uri = s.uri(1);
      ok(
          ExternalTool.run(
              "qemu-io",
              "-f",
              "raw",
              "-c",
              "write -P 0xab 1000 70000",
              "-c",
              "write -P 0x5c 131000 3",
              "-c",
              "write -P 0x11 1048575 65537",
              "-c",
              "write -z 2097152 1048576",
              uri));
      ExternalTool.Result r =
          ok(
              ExternalTool.run(
                  "qemu-io",
                  "-f",
                  "raw",
                  "-c",
                  "read -P 0xab 1000 70000",
                  "-c",
                  "read -P 0 71000 60000",
                  "-c",
                  "read -P 0x5c 131000 3",
                  "-c",
                  "read -P 0x11 1048575 65537",
                  "-c",
                  "read -P 0 2097152 1048576",
                  "-c",
                  "read -P 0 60000000 4096",
                  uri));
      assertThat(r.all()).doesNotContain("Pattern verification failed");
    }
  }

  @Test
  void nbdcopyOfA256MibRandomImageInAndOutIsBitExact() throws IOException {
    Path in = tmp.resolve("in.img");
    Path out = tmp.resolve("out.img");
    byte[] chunk = new byte[1 << 20];
    Random rnd = new Random(9);
    try (var os = Files.newOutputStream(in)) {
      for (int i = 0; i < 256; i++) {
        rnd.nextBytes(chunk);
        if (i % 16 == 3) {
          java.util.Arrays.fill(chunk, (byte) 0); // some zero runs: WRITE_ZEROES on the way in
        }
        os.write(chunk);
      }
    }
    try (ServedPool s = new ServedPool(tmp.resolve("pool"), 320 * MIB, false, 256 * MIB)) {
      ok(ExternalTool.run("nbdcopy", "--flush", in.toString(), s.uri(1)));
      ok(ExternalTool.run("nbdcopy", s.uri(1), out.toString()));
    }
    assertThat(Files.mismatch(in, out)).isEqualTo(-1L);
  }

  /** Sparse writes, a TRIM and both kinds of WRITE_ZEROES; then both map tools agree. */
  @Test
  void mapsShowExactlyTheAllocatedRanges() throws IOException {
    try (ServedPool s = new ServedPool(tmp.resolve("pool"), 256 * MIB, false, 64 * MIB)) {
      String uri = s.uri(1);
      ok(
          ExternalTool.run(
              "qemu-io",
              "-f",
              "raw",
              "-c",
              "write -P 1 0 1M",
              "-c",
              "write -P 2 8M 128k",
              "-c",
              "write -P 3 16M 64k",
              "-c",
              "discard 256k 512k",
              "-c",
              "write -z -u 8M 64k",
              "-c",
              "write -z 32M 64k",
              uri));
      List<long[]> expected =
          List.of(
              new long[] {0, 256 << 10},
              new long[] {768 << 10, 256 << 10},
              new long[] {(8 << 20) + (64 << 10), 64 << 10},
              new long[] {16 << 20, 64 << 10},
              new long[] {32 << 20, 64 << 10});
      String map = ok(ExternalTool.run("nbdinfo", "--map", uri)).stdout();
      assertThat(
              dataRanges(
                  map,
                  Pattern.compile("^\\s*(\\d+)\\s+(\\d+)\\s+0\\s+data\\s*$", Pattern.MULTILINE)))
          .as(map)
          .containsExactlyElementsOf(flat(expected));
      assertThat(map).contains("3  hole,zero");
      String json = ok(ExternalTool.run("qemu-img", "map", "--output=json", uri)).stdout();
      assertThat(
              dataRanges(
                  json,
                  Pattern.compile("\"start\": (\\d+), \"length\": (\\d+), [^}]*\"data\": true")))
          .as(json)
          .containsExactlyElementsOf(flat(expected));
    }
  }

  private static List<Long> dataRanges(String text, Pattern p) {
    List<Long> out = new ArrayList<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      out.add(Long.parseLong(m.group(1)));
      out.add(Long.parseLong(m.group(2)));
    }
    return out;
  }

  private static List<Long> flat(List<long[]> ranges) {
    List<Long> out = new ArrayList<>();
    for (long[] r : ranges) {
      out.add(r[0]);
      out.add(r[1]);
    }
    return out;
  }

  @Test
  void fioRandomWritesWithCrc32cVerifyFourJobs() throws IOException {
    try (ServedPool s = new ServedPool(tmp.resolve("pool"), 256 * MIB, false, 64 * MIB)) {
      ExternalTool.Result r =
          ok(
              ExternalTool.run(
                  "fio",
                  "--name=verify",
                  "--ioengine=nbd",
                  "--uri=" + s.uri(1),
                  "--rw=randwrite",
                  "--bs=4k",
                  "--size=16M",
                  "--offset_increment=16M",
                  "--numjobs=4",
                  "--iodepth=8",
                  "--verify=crc32c",
                  "--do_verify=1",
                  "--verify_fatal=1",
                  "--randrepeat=1",
                  // fio saves verify state files in its working directory; keep them in tmp
                  "--verify_state_save=0",
                  "--group_reporting"));
      assertThat(r.all()).doesNotContain("verify: bad").contains("verify");
    }
  }

  @Test
  void nbdinfoListsEveryDeviceAndReportsTheFlags() throws IOException {
    try (ServedPool s = new ServedPool(tmp.resolve("pool"), 256 * MIB, false, 8 * MIB, 16 * MIB)) {
      String list =
          ok(ExternalTool.run("nbdinfo", "--list", "nbd://127.0.0.1:" + s.address.getPort() + "/"))
              .stdout();
      assertThat(list).contains("export=\"1\"", "export=\"2\"", "thin device 2");
      String info = ok(ExternalTool.run("nbdinfo", s.uri(2))).stdout();
      assertThat(info)
          .contains(
              "export-size: 16777216",
              "can_multi_conn: true",
              "can_fast_zero: true",
              "block_size_minimum: 512",
              "block_size_preferred: 65536",
              "block_size_maximum: 33554432",
              "base:allocation");
      ok(ExternalTool.run("nbdinfo", "--can", "trim", s.uri(2)));
    }
  }
}

package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.Testdata;
import picocli.CommandLine;

/** The metadata commands, run in-process as a user would run them. */
class CliTest {
  @TempDir Path tmp;

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void restoreIntoANewDirectoryThenCheckDumpAndList() throws IOException {
    Path pool = tmp.resolve("new-pool");
    Path xml = Testdata.dmThin().resolve("snapshot.xml");
    assertThat(run("--pool", pool.toString(), "restore", xml.toString()).exit()).isZero();
    assertThat(pool.resolve("metadata")).isRegularFile();
    assertThat(pool.resolve("data")).doesNotExist();

    Run check = run("--pool", pool.toString(), "check");
    assertThat(check.exit()).as(check.err()).isZero();
    assertThat(check.out()).contains("TRANSACTION_ID=2").contains("clean");
    ExternalTool.Result real = ExternalTool.run("thin_check", pool.resolve("metadata").toString());
    assertThat(real.exitCode()).as(real.all()).isZero();

    Path out = tmp.resolve("dump.xml");
    assertThat(run("check", "--pool", pool.toString()).exit()).isZero();
    assertThat(run("--pool", pool.toString(), "dump", "--output", out.toString()).exit()).isZero();
    assertThat(Files.readString(out))
        .isEqualTo(Files.readString(Testdata.dmThin().resolve("snapshot.dump.xml")));

    Run ls = run("--pool", pool.toString(), "thin", "ls", "--json");
    assertThat(ls.exit()).isZero();
    assertThat(ls.out())
        .contains("\"id\": 0")
        .contains("\"id\": 1")
        .contains("\"exclusive_blocks\": 4")
        .contains("\"shared_blocks\": 13");
    Run text =
        run(
            "--pool",
            pool.toString(),
            "thin",
            "ls",
            "-o",
            "DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS,MAPPED_SECTORS,EXCLUSIVE_SECTORS,"
                + "SHARED_SECTORS,MAPPED_BYTES,EXCLUSIVE_BYTES,SHARED_BYTES,MAPPED,EXCLUSIVE,SHARED,"
                + "TRANSACTION,CREATE_TIME,SNAP_TIME");
    assertThat(text.out())
        .isEqualTo(Files.readString(Testdata.dmThin().resolve("snapshot.ls.txt")));
  }

  @Test
  void checkReportsEachProblemOnOneLineAndFails() throws IOException {
    Path pool = tmp.resolve("bad");
    Files.createDirectories(pool);
    Files.copy(Testdata.dmThin().resolve("bad_leak.meta"), pool.resolve("metadata"));
    Run r = run("--pool", pool.toString(), "check");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .contains("metadata reference counts differ for block 15, expected 0, but got 1");
  }

  @Test
  void corruptSuperblockIsOneClearLine() throws IOException {
    Path pool = tmp.resolve("zero");
    Files.createDirectories(pool);
    Files.copy(Testdata.dmThin().resolve("snapshot.meta"), pool.resolve("metadata"));
    try (FileChannel ch = FileChannel.open(pool.resolve("metadata"), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {9}), 40);
    }
    Run dump = run("--pool", pool.toString(), "dump");
    assertThat(dump.exit()).isEqualTo(1);
    assertThat(dump.err().strip())
        .startsWith("thinpool: pool " + pool + ": bad checksum")
        .contains("superblock, block 0")
        .doesNotContain("\n")
        .doesNotContain("Exception");
    Run check = run("--pool", pool.toString(), "check");
    assertThat(check.exit()).isEqualTo(1);
    assertThat(check.err()).contains("superblock is corrupt");
  }

  @Test
  void badXmlLeavesTheOldMetadataUntouched() throws IOException {
    Path pool = tmp.resolve("keep");
    Path xml = Testdata.dmThin().resolve("snapshot.xml");
    assertThat(run("--pool", pool.toString(), "restore", xml.toString()).exit()).isZero();
    byte[] before = Files.readAllBytes(pool.resolve("metadata"));
    Path bad = tmp.resolve("bad.xml");
    Files.writeString(
        bad,
        "<superblock uuid=\"\" time=\"0\" transaction=\"0\" "
            + "data_block_size=\"128\" nr_data_blocks=\"10\">\n  <device dev_id=\"1\" "
            + "mapped_blocks=\"0\" transaction=\"0\" creation_time=\"0\" snap_time=\"0\">\n"
            + "    <single_mapping origin_block=\"0\" data_block=\"99\" time=\"0\"/>\n"
            + "  </device>\n</superblock>\n");
    Run r = run("--pool", pool.toString(), "restore", bad.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("passes check").contains("--force");
    r = run("--pool", pool.toString(), "restore", "--force", bad.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("data block 99");
    assertThat(Files.readAllBytes(pool.resolve("metadata"))).isEqualTo(before);
    assertThat(pool.resolve("metadata.restore-tmp")).doesNotExist();
  }

  @Test
  void missingPoolIsAClearError() {
    Run r = run("--pool", tmp.resolve("nothing").toString(), "check");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no pool at");
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] cmd : new String[][] {{"check"}, {"dump"}, {"restore"}, {"thin", "ls"}}) {
      String[] args = java.util.Arrays.copyOf(cmd, cmd.length + 1);
      args[cmd.length] = "--help";
      Run r = run(args);
      assertThat(r.exit()).isZero();
      assertThat(r.out()).contains("Usage:");
    }
  }
}

package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

/**
 * The start-path commands whose picocli models are built in code ({@link CodedModel}) answer as
 * their annotations did: the expected texts below are what picocli printed for the annotated
 * classes (commit 4977054), byte for byte. The root's and {@code thin}'s command lists change as
 * commands are added, so only their part before "Commands:" is fixed here.
 */
class CodedModelTest {
  private static final String EXIT_CODES =
      """

      Exit codes:
         0   Success.
         1   Operating error: no pool, corrupt metadata, I/O error, no space.
         2   Usage error: unknown command or option, bad argument.
      """;

  private static final String POOL_OPTION =
      """
            --pool=DIR   Pool directory (files 'metadata' and 'data'). Default:
                           $THINPOOL_POOL, else ./thinpool-data.
      """;

  private static String help(String... path) {
    CommandLine cl = Main.commandLine();
    for (String word : path) {
      cl = cl.getSubcommands().get(word);
    }
    return cl.getUsageMessage(Ansi.OFF);
  }

  private static String beforeCommands(String help) {
    return help.substring(0, help.indexOf("Commands:\n"));
  }

  @Test
  void rootHelpIsTheAnnotatedOne() {
    assertThat(beforeCommands(help()))
        .isEqualTo(
            """
            Usage: thinpool [-hV] [--pool=DIR] [COMMAND]
            User-space dm-thin thin provisioning, on-disk compatible with Linux.
              -h, --help       Show this help message and exit.
            """
                + POOL_OPTION
                + """
                  -V, --version    Print version information and exit.
                """);
  }

  @Test
  void thinHelpIsTheAnnotatedOne() {
    assertThat(beforeCommands(help("thin")))
        .isEqualTo(
            """
            Usage: thinpool thin [-hV] [--pool=DIR] [COMMAND]
            Thin device commands.
              -h, --help       Show this help message and exit.
            """
                + POOL_OPTION
                + """
                  -V, --version    Print version information and exit.
                """);
  }

  @Test
  void statusHelpIsTheAnnotatedOne() {
    assertThat(help("status"))
        .isEqualTo(
            """
            Usage: thinpool status [-hV] [--json] [--pool=DIR]
            Show transaction id, metadata and data usage, mode and discard mode.
              -h, --help       Show this help message and exit.
                  --json       JSON output (docs/cli-json.md).
            """
                + POOL_OPTION
                + """
                  -V, --version    Print version information and exit.
                """
                + EXIT_CODES);
  }

  @Test
  void thinLsHelpIsTheAnnotatedOne() {
    assertThat(help("thin", "ls"))
        .isEqualTo(
            """
            Usage: thinpool thin ls [-hmV] [--json] [--no-headers] [-o=FIELDS] [--pool=DIR]
            List thin devices with size, mapped, exclusive and shared blocks (like thin_ls).
              -h, --help            Show this help message and exit.
                  --json            JSON output (docs/cli-json.md): version, devices[] with
                                      id, size, mapped_blocks, exclusive_blocks,
                                      shared_blocks, ...
              -m, --metadata-snap   List the devices of the metadata snapshot (sizes
                                      unknown).
                  --no-headers      Omit the header line.
              -o, --format=FIELDS   Comma-separated fields: thin_ls's DEV, {MAPPED,
                                      EXCLUSIVE,SHARED}_BLOCKS, _SECTORS, _BYTES and
                                      MAPPED, EXCLUSIVE, SHARED (human units), TRANSACTION,
                                      CREATE_TIME, SNAP_TIME; and SIZE, SIZE_SECTORS,
                                      SIZE_BYTES (virtual size, '-' if unknown). Default:
                                      DEV,SIZE,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS,
                                      MAPPED,EXCLUSIVE,SHARED,TRANSACTION,CREATE_TIME,
                                      SNAP_TIME.
                  --pool=DIR        Pool directory (files 'metadata' and 'data'). Default:
                                      $THINPOOL_POOL, else ./thinpool-data.
              -V, --version         Print version information and exit.
            """
                + EXIT_CODES);
  }

  @Test
  void optionValuesGoBackToTheirDefaultsBeforeEachParse() {
    CommandLine cl = Main.commandLine();
    CommandLine ls = cl.getSubcommands().get("thin").getSubcommands().get("ls");
    cl.parseArgs("--pool", "p", "thin", "ls", "--json", "-o", "DEV", "-m", "--no-headers");
    assertThat(ls.getCommandSpec().findOption("--json").<Boolean>getValue()).isTrue();
    assertThat(ls.getCommandSpec().findOption("-o").<String>getValue()).isEqualTo("DEV");
    cl.parseArgs("thin", "ls");
    assertThat(ls.getCommandSpec().findOption("--json").<Boolean>getValue()).isFalse();
    assertThat(ls.getCommandSpec().findOption("-m").<Boolean>getValue()).isFalse();
    assertThat(ls.getCommandSpec().findOption("-o").<String>getValue()).isNull();
    assertThat(cl.getCommandSpec().findOption("--pool").<Object>getValue()).isNull();
  }
}

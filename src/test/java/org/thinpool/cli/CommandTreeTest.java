package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

/** The lean tree a run builds answers exactly as the whole tree does. */
class CommandTreeTest {
  private static List<List<String>> paths(CommandLine cl, List<String> prefix) {
    List<List<String>> out = new ArrayList<>();
    for (var e : cl.getSubcommands().entrySet()) {
      List<String> p = new ArrayList<>(prefix);
      p.add(e.getKey());
      out.add(p);
      out.addAll(paths(e.getValue(), p));
    }
    return out;
  }

  @Test
  void namesInTheTreeAreTheCommandsOwnNames() {
    List<List<String>> all = paths(Main.commandLine(), List.of());
    assertThat(all).hasSizeGreaterThan(10);
    check(Main.commandLine());
  }

  private static void check(CommandLine cl) {
    for (var e : cl.getSubcommands().entrySet()) {
      assertThat(e.getValue().getCommandSpec().name()).isEqualTo(e.getKey());
      check(e.getValue());
    }
  }

  @Test
  void leanTreeHelpEqualsFullTreeHelpForEveryCommand() {
    for (List<String> path : paths(Main.commandLine(), List.of())) {
      List<String> args = new ArrayList<>(List.of("--pool", "/nonexistent"));
      args.addAll(path);
      CommandLine full = Main.commandLine();
      CommandLine lean = Main.commandLine(args.toArray(String[]::new));
      for (String word : path) {
        full = full.getSubcommands().get(word);
        lean = lean.getSubcommands().get(word);
      }
      assertThat(lean.getUsageMessage(Ansi.OFF))
          .as(path.toString())
          .isEqualTo(full.getUsageMessage(Ansi.OFF));
    }
  }

  @Test
  void leanTreeBuildsOnlyThePathItRuns() {
    CommandLine lean = Main.commandLine("thin", "ls", "--json", "--pool", "p");
    assertThat(lean.getSubcommands()).containsOnlyKeys("thin");
    assertThat(lean.getSubcommands().get("thin").getSubcommands()).containsOnlyKeys("ls");
    assertThat(Main.commandLine("--version").getSubcommands()).isEmpty();
    assertThat(Main.commandLine("--help").getSubcommands().keySet())
        .isEqualTo(Main.commandLine().getSubcommands().keySet());
    CommandLine unknown = Main.commandLine("--pool", "p", "frobnicate");
    assertThat(unknown.getSubcommands().keySet())
        .isEqualTo(Main.commandLine().getSubcommands().keySet());
  }

  @Test
  void unknownCommandIsAUsageErrorWithTheSameMessage() {
    CliTest.Run r = CliTest.run("thin", "lss");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    CommandLine lean = Main.commandLine("thin", "lss");
    var err = new java.io.StringWriter();
    lean.setErr(new java.io.PrintWriter(err));
    assertThat(lean.execute("thin", "lss")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).isEqualTo(r.err());
  }

  @Test
  void helpListsExitCodesAndCheckSaysWhatOneMeans() {
    String root = Main.commandLine().getUsageMessage(Ansi.OFF);
    assertThat(root)
        .contains("Exit codes:")
        .contains("0   Success.")
        .contains("1   Operating error")
        .contains("2   Usage error");
    String check = Main.commandLine().getSubcommands().get("check").getUsageMessage(Ansi.OFF);
    assertThat(check).contains("1   Problems found in the metadata (as thin_check)");
  }

  @Test
  void versionNamesTheVersionAndTheCommit() {
    CliTest.Run r = CliTest.run("--version");
    assertThat(r.exit()).isZero();
    assertThat(r.out().strip())
        .matches(
            "thinpool \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(commit ([0-9a-f]{7,40}(-dirty)?"
                + "|unknown)\\)");
    // Built from a git checkout (as every build here is), the commit is known.
    if (java.nio.file.Files.isDirectory(java.nio.file.Path.of(".git"))
        || java.nio.file.Files.isRegularFile(java.nio.file.Path.of(".git"))) {
      assertThat(r.out()).doesNotContain("unknown");
    }
  }
}

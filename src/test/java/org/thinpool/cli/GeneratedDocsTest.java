package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The completion script and man pages that the build generated (BuildDocs, process-classes) from
 * the picocli model: the script loads in bash and completes, one clean man page per command.
 */
class GeneratedDocsTest {
  private static Path docs() {
    return Path.of(System.getProperty("thinpool.generatedDocs", "target/generated-docs"));
  }

  private static String tool(String name, String debianPackage) {
    Path p = Path.of("/usr/bin", name);
    if (Files.isExecutable(p)) {
      return p.toString();
    }
    String msg = name + " is not installed (Debian package " + debianPackage + ")";
    if ("true".equals(System.getenv("CI"))) {
      fail(msg + ": required under CI");
    }
    System.err.println("SKIPPING: " + msg);
    Assumptions.abort(msg);
    return null;
  }

  record Result(int exit, String out, String err) {}

  private static Result exec(List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile("docs", ".out");
    Path err = Files.createTempFile("docs", ".err");
    try {
      Process p =
          new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(cmd + " did not finish in 60 s");
      }
      return new Result(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** COMPREPLY of the completion function for the words typed so far (the last is partial). */
  static List<String> complete(Path script, String... words) throws Exception {
    StringBuilder array = new StringBuilder();
    for (String w : words) {
      array.append(" '").append(w).append('\'');
    }
    String line = String.join(" ", words);
    String driver =
        "source '"
            + script
            + "' || exit 9\n"
            + "complete -p thinpool >/dev/null || exit 8\n"
            + "COMP_WORDS=("
            + array
            + ")\n"
            + "COMP_CWORD="
            + (words.length - 1)
            + "\n"
            + "COMP_LINE='"
            + line
            + "'\nCOMP_POINT="
            + line.length()
            + "\n"
            // What bash runs on TAB: the registered function, with command, word and previous word.
            + "fn=$(complete -p thinpool | sed 's/.* -F \\([^ ]*\\) .*/\\1/')\n"
            + "\"$fn\" thinpool '"
            + words[words.length - 1]
            + "' '"
            + words[words.length - 2]
            + "'\n"
            + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    Result r = exec(List.of(tool("bash", "bash"), "--norc", "--noprofile", "-c", driver));
    assertThat(r.exit()).as(r.err()).isZero();
    return r.out().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  @Test
  void bashCompletesCommandsSubcommandsAndOptions() throws Exception {
    Path script = docs().resolve("completion/thinpool.bash");
    assertThat(script).isRegularFile();
    assertThat(complete(script, "thinpool", "th")).containsExactly("thin");
    assertThat(complete(script, "thinpool", "thin", "l")).containsExactly("ls");
    assertThat(complete(script, "thinpool", "thin", "ls", "--j")).containsExactly("--json");
    assertThat(complete(script, "thinpool", "st")).containsExactly("status");
  }

  @Test
  void oneManPagePerCommandAndGroffReadsEachWithoutWarnings() throws Exception {
    List<String> expected = new ArrayList<>();
    names(Main.commandLine(), expected);
    List<String> pages;
    try (Stream<Path> s = Files.list(docs().resolve("man/man1"))) {
      pages = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(pages).containsExactlyInAnyOrderElementsOf(expected);
    String groff = tool("groff", "groff-base");
    for (String page : pages) {
      Path file = docs().resolve("man/man1").resolve(page);
      // All warnings on except "cannot adjust line" (a long synopsis line is fine).
      Result r = exec(List.of(groff, "-man", "-Tutf8", "-ww", "-Wbreak", file.toString()));
      assertThat(r.exit()).as(page + ": " + r.err()).isZero();
      assertThat(r.err()).as(page).isEmpty();
      // grotty emboldens by overstriking (c BS c); keep the plain text.
      assertThat(r.out().replaceAll(".\b", ""))
          .as(page)
          .contains("NAME")
          .contains("SYNOPSIS")
          .contains("OPTIONS")
          .contains("EXIT STATUS");
    }
    String ls = Files.readString(docs().resolve("man/man1/thinpool-thin-ls.1"));
    assertThat(ls)
        .contains(".SH NAME\nthinpool\\-thin\\-ls \\- List thin devices")
        .contains(".B \\-\\-json");
  }

  private static void names(picocli.CommandLine cl, List<String> out) {
    out.add(ManPage.name(cl) + ".1");
    cl.getSubcommands().values().forEach(sub -> names(sub, out));
  }

  @Test
  void roffEscapesWhatWouldBeARequest() {
    assertThat(ManPage.roff(".hidden")).isEqualTo("\\&.hidden");
    assertThat(ManPage.roff("a\\b-c")).isEqualTo("a\\eb\\-c");
  }
}

package org.thinpool.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Build-time generator (pom.xml runs it in process-classes): the bash/zsh completion script and one
 * man page per command, from the same picocli model the CLI runs, into {@code
 * OUT/completion/thinpool.bash} and {@code OUT/man/man1/*.1}.
 */
public final class BuildDocs {
  private BuildDocs() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: BuildDocs OUTPUT_DIR");
    }
    Path outDir = Path.of(args[0]);
    CommandLine root = Main.commandLine();
    Path completion = outDir.resolve("completion");
    Files.createDirectories(completion);
    // picocli's script is bash; in zsh it loads through bashcompinit, which it calls itself.
    Files.writeString(completion.resolve("thinpool.bash"), AutoComplete.bash("thinpool", root));
    Path man1 = outDir.resolve("man/man1");
    Files.createDirectories(man1);
    writeManPages(root, man1);
  }

  private static void writeManPages(CommandLine cl, Path man1) throws IOException {
    Files.writeString(
        man1.resolve(ManPage.name(cl) + ".1"), ManPage.render(cl, BuildInfo.version()));
    for (CommandLine sub : cl.getSubcommands().values()) {
      writeManPages(sub, man1);
    }
  }
}

package org.thinpool.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.thinpool.cli.Main;
import picocli.CommandLine;

/** One CLI command run in this JVM on a pool folder: its exit code and what it printed. */
public record CliRun(int exitCode, String out, String err) {
  /** Runs {@code thinpool --pool POOL ARGS...} through the real command line, output captured. */
  public static CliRun run(Path pool, String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    List<String> full = new ArrayList<>(List.of("--pool", pool.toString()));
    full.addAll(List.of(args));
    return new CliRun(cl.execute(full.toArray(String[]::new)), out.toString(), err.toString());
  }
}

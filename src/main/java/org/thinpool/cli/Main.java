package org.thinpool.cli;

import java.io.IOException;
import java.io.PrintWriter;
import org.thinpool.nbd.Exports;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code thinpool} command. */
@Command(
    name = "thinpool",
    mixinStandardHelpOptions = true,
    version = "thinpool 0.1.0",
    description = "User-space dm-thin thin provisioning, on-disk compatible with Linux.",
    subcommands = {
      CheckCommand.class,
      DumpCommand.class,
      RestoreCommand.class,
      ThinCommand.class,
      PoolCreateCommand.class,
      PoolStatusCommand.class,
      ImportCommand.class,
      ExportCommand.class,
      DiscardCommand.class,
      GrowCommand.class,
      ServeCommand.class,
    })
public final class Main implements Runnable {
  @CommandLine.Mixin PoolOption pool;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The --pool option, given before or after the subcommand. */
  static PoolOption pool(CommandLine.Model.CommandSpec spec) {
    return ((Main) spec.root().userObject()).pool;
  }

  /**
   * Opens the pool named by --pool for writing and prints what opening it found worth a
   * warning (sizes rebuilt from the metadata) on stderr, one line each.
   */
  static ThinPool openPool(CommandLine.Model.CommandSpec spec) throws IOException {
    PoolOption option = pool(spec);
    if (option.served != null) {
      return option.served.borrow(); // inside the server: its pool; closing only commits
    }
    ThinPool pool = ThinPool.open(option.dir());
    PrintWriter err = spec.commandLine().getErr();
    for (String w : pool.openWarnings()) {
      err.println("thinpool: warning: " + w);
    }
    err.flush();
    return pool;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** The NBD exports of the server this command runs in, else null (see {@link Served}). */
  Exports exports;

  /** Builds the command line with the project's error handling: one clear line per error. */
  public static CommandLine commandLine() {
    return commandLine(new Main());
  }

  static CommandLine commandLine(Main main) {
    CommandLine cl = new CommandLine(main);
    cl.setExecutionStrategy(pr -> Served.forward(pr).orElseGet(
        () -> new CommandLine.RunLast().execute(pr)));
    cl.registerConverter(long.class, Main::parseLong);
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println(ErrorReport.usageLine(ex));
          err.flush();
          return ExitCodes.USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          PrintWriter err = cmd.getErr();
          String line = ErrorReport.errorLine(ex, pool(cmd.getCommandSpec()).dir());
          if (line == null) {
            throw ex;
          }
          err.println(line);
          err.flush();
          return ExitCodes.ERROR;
        });
    return cl;
  }

  /** Ids and counts: picocli's own message says "is not a long". */
  private static long parseLong(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException("'" + s + "' is not a whole number");
    }
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}

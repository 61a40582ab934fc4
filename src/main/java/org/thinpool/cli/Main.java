package org.thinpool.cli;

import java.io.IOException;
import java.io.PrintWriter;
import org.thinpool.nbd.Exports;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Entry point of the {@code thinpool} command. Its model is built in code ({@link CodedModel}: it
 * is on every command's start path); subcommands are registered by {@link CommandTree}, lazily for
 * a run.
 */
public final class Main implements Runnable {
  final PoolOption pool = new PoolOption();

  private CommandSpec spec;

  /** The root command's model, running {@code main}. */
  private static CommandSpec model(Main main) {
    CommandSpec spec =
        CodedModel.command(
            main,
            "thinpool",
            "User-space dm-thin thin provisioning, on-disk compatible with Linux.",
            main.pool.option());
    spec.versionProvider(new BuildInfo());
    main.spec = spec;
    return spec;
  }

  /** The --pool option, given before or after the subcommand. */
  static PoolOption pool(CommandLine.Model.CommandSpec spec) {
    return ((Main) spec.root().userObject()).pool;
  }

  /**
   * Opens the pool named by --pool for writing and prints what opening it found worth a warning
   * (sizes rebuilt from the metadata) on stderr, one line each.
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

  /** The whole command tree with the project's error handling: one clear line per error. */
  public static CommandLine commandLine() {
    return configure(CommandTree.full(new CommandLine(model(new Main()))));
  }

  /** The same as {@link #commandLine()} for running {@code args}: only the commands it names. */
  static CommandLine commandLine(String... args) {
    return commandLine(new Main(), args);
  }

  /** The same on a given root object (a served pool's control request sets it up). */
  static CommandLine commandLine(Main main, String... args) {
    return configure(CommandTree.forArgs(new CommandLine(model(main)), args));
  }

  private static CommandLine configure(CommandLine cl) {
    ExitCodes.document(cl);
    cl.setExecutionStrategy(
        pr -> Served.forward(pr).orElseGet(() -> new CommandLine.RunLast().execute(pr)));
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
    LockWarmUp.start(args);
    System.exit(commandLine(args).execute(args));
  }
}

package org.thinpool.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code thinpool thin ...}: thin device commands. Its model is built in code ({@link CodedModel}:
 * {@code thin ls} starts here); subcommands are registered by {@link CommandTree}.
 */
final class ThinCommand implements Runnable {
  private CommandSpec spec;

  /** The model of a new {@code thin} command. */
  static CommandSpec model() {
    ThinCommand c = new ThinCommand();
    c.spec = CodedModel.command(c, "thin", "Thin device commands.");
    return c.spec;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }
}

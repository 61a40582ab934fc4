package org.thinpool.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code thinpool thin ...}: thin device commands. */
@Command(name = "thin", mixinStandardHelpOptions = true, description = "Thin device commands.")
// Subcommands are registered by CommandTree (lazily for a run), not listed here.
final class ThinCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }
}

package org.thinpool.cli;

import picocli.CommandLine.Command;

/** {@code thinpool thin ...}: thin device commands. */
@Command(
    name = "thin",
    mixinStandardHelpOptions = true,
    description = "Thin device commands.")
// Subcommands are registered by CommandTree (lazily for a run), not listed here.
final class ThinCommand {}

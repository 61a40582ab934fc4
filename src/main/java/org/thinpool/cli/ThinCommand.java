package org.thinpool.cli;

import picocli.CommandLine.Command;

/** {@code thinpool thin ...}: thin device commands. */
@Command(
    name = "thin",
    mixinStandardHelpOptions = true,
    description = "Thin device commands.",
    subcommands = {ThinLsCommand.class, ThinCreateCommand.class, ThinSnapshotCommand.class,
        ThinDeleteCommand.class, ThinResizeCommand.class})
final class ThinCommand {}

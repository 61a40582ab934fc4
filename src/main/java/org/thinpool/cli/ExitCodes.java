package org.thinpool.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/** Process exit codes, the single place where errors become numbers. */
final class ExitCodes {
  static final int OK = 0;

  /** Operating error (corrupt metadata, I/O failure, out of space, bad state). */
  static final int ERROR = 1;

  /** Problems found by {@code check}: 1, as thin_check exits when it finds any. */
  static final int CHECK_FAILED = 1;

  /** Bad usage: picocli's own code. */
  static final int USAGE = 2;

  private ExitCodes() {}

  /** The list every command's --help ends with; {@code check} says what 1 means for it. */
  static Map<String, String> documented(String commandName) {
    Map<String, String> codes = new LinkedHashMap<>();
    codes.put(" " + OK, "Success.");
    if (commandName.equals("check")) {
      codes.put(
          " " + CHECK_FAILED,
          "Problems found in the metadata (as thin_check), or an " + "operating error.");
    } else {
      codes.put(" " + ERROR, "Operating error: no pool, corrupt metadata, I/O error, no space.");
    }
    codes.put(" " + USAGE, "Usage error: unknown command or option, bad argument.");
    return codes;
  }

  /** Adds the exit code section to the help of the command and all its subcommands. */
  static void document(CommandLine cl) {
    UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
    usage.exitCodeListHeading("%nExit codes:%n");
    usage.exitCodeList(documented(cl.getCommandName()));
    for (CommandLine sub : cl.getSubcommands().values()) {
      document(sub);
    }
  }
}

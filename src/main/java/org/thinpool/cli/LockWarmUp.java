package org.thinpool.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.thinpool.io.DirectoryLock;
import org.thinpool.server.ControlService;

/**
 * Links the pool lock's native calls on a background thread while the main thread builds the
 * command and parses the arguments: the first FFM downcall of a process generates its stubs at run
 * time (the AOT cache cannot hold them), tens of ms of CPU that every command opening a pool pays
 * before its first read. On two cores the two overlap.
 *
 * <p>Only a guess from the raw arguments, made before picocli reads them: it affects when the
 * linking happens, never what a command does. No warm-up for help and version, which open no pool,
 * for a pool that a server answers for through its control socket, where this process takes no
 * lock, nor for the read-only commands, whose reader's lock is a plain JDK file lock: linking there
 * would cost them the CPU it is meant to hide.
 */
final class LockWarmUp {
  private LockWarmUp() {}

  static void start(String[] args) {
    List<String> list = List.of(args);
    try {
      if (list.isEmpty()
          || list.contains("--help")
          || list.contains("-h")
          || list.contains("--version")
          || list.contains("-V")
          || readOnly(list)
          || Files.exists(ControlService.socketPath(poolDir(args)))) {
        return;
      }
    } catch (RuntimeException e) {
      return; // e.g. a --pool value that is no path: picocli will say so
    }
    Thread t = new Thread(DirectoryLock::linkNativeCalls, "thinpool-link-native");
    t.setDaemon(true);
    t.start();
  }

  /** thin ls, status, dump, and check without --clear-needs-check-flag: readers of the pool. */
  private static boolean readOnly(List<String> args) {
    return args.contains("status")
        || args.contains("dump")
        || (args.contains("thin") && args.contains("ls"))
        || (args.contains("check") && !args.contains("--clear-needs-check-flag"));
  }

  /** The --pool value as picocli will read it (both spellings), else the default's. */
  private static Path poolDir(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--")) {
        break;
      } else if (args[i].equals("--pool") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      } else if (args[i].startsWith("--pool=")) {
        return Path.of(args[i].substring("--pool=".length()));
      }
    }
    return new PoolOption().dir();
  }
}

package org.thinpool.cli;

import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * Every command, and the lean way to build the tree for one run. picocli builds a command's model
 * by reflecting over its annotations when the command is added, which is most of a short command's
 * start-up; so a run adds only the commands on its path ({@code thin ls} builds the root, {@code
 * thin} and {@code ls}, not the other thirteen). Anything else (help of a group, an unknown name,
 * {@code --}) gets the whole level, so picocli's messages are unchanged.
 */
final class CommandTree {
  /**
   * A command: its name (as in its model), factory and subcommands. The factory gives either the
   * command object, whose annotations picocli reads, or the model built in code ({@link
   * CodedModel}) of a command on the start path of short commands.
   */
  record Node(String name, Supplier<Object> factory, List<Node> children) {
    Node(String name, Supplier<Object> factory) {
      this(name, factory, List.of());
    }
  }

  /** The root's subcommands, in --help order. */
  static final List<Node> ROOT =
      List.of(
          new Node("check", CheckCommand::new),
          new Node("dump", DumpCommand::new),
          new Node("restore", RestoreCommand::new),
          new Node(
              "thin",
              ThinCommand::model,
              List.of(
                  new Node("ls", ThinLsCommand::model),
                  new Node("create", ThinCreateCommand::new),
                  new Node("snapshot", ThinSnapshotCommand::new),
                  new Node("delete", ThinDeleteCommand::new),
                  new Node("resize", ThinResizeCommand::new))),
          new Node("create", PoolCreateCommand::new),
          new Node("status", PoolStatusCommand::model),
          new Node("import", ImportCommand::new),
          new Node("export", ExportCommand::new),
          new Node("discard", DiscardCommand::new),
          new Node("grow", GrowCommand::new),
          new Node("serve", ServeCommand::new));

  private CommandTree() {}

  /** The whole tree: for help, completion and man pages. */
  static CommandLine full(CommandLine root) {
    addAll(root, ROOT);
    return root;
  }

  /** Only the commands that {@code args} names, level by level. */
  static CommandLine forArgs(CommandLine root, String[] args) {
    if (nextWord(args, 0) < 0 && versionOnly(args)) {
      return root;
    }
    CommandLine at = root;
    List<Node> level = ROOT;
    int i = 0;
    while (!level.isEmpty()) {
      i = nextWord(args, i);
      Node next = i < 0 ? null : find(level, args[i]);
      if (next == null) {
        addAll(at, level);
        return root;
      }
      CommandLine sub = new CommandLine(next.factory().get());
      at.addSubcommand(next.name(), sub);
      at = sub;
      level = next.children();
      i++;
    }
    return root;
  }

  /** {@code --version} without help: the version needs no subcommand at all. */
  private static boolean versionOnly(String[] args) {
    List<String> list = List.of(args);
    return (list.contains("--version") || list.contains("-V"))
        && !list.contains("--help")
        && !list.contains("-h");
  }

  private static void addAll(CommandLine at, List<Node> level) {
    for (Node n : level) {
      CommandLine sub = new CommandLine(n.factory().get());
      at.addSubcommand(n.name(), sub);
      addAll(sub, n.children());
    }
  }

  private static Node find(List<Node> level, String name) {
    for (Node n : level) {
      if (n.name().equals(name)) {
        return n;
      }
    }
    return null;
  }

  /**
   * The index of the next command word from {@code from}, skipping options and the value of {@code
   * --pool} (the only option with a separate value before a command word); -1 if there is none or
   * {@code --} comes first.
   */
  private static int nextWord(String[] args, int from) {
    for (int i = from; i < args.length; i++) {
      if (args[i].equals("--")) {
        return -1;
      } else if (args[i].equals("--pool")) {
        i++;
      } else if (!args[i].startsWith("-")) {
        return i;
      }
    }
    return -1;
  }
}

package org.thinpool.cli;

import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;

/**
 * picocli models built in code, for the commands on the start path of the short commands that
 * scripts run in loops: the root, {@code thin}, {@code thin ls} and {@code status}. From
 * annotations picocli builds a model through annotation proxies, classes generated at run time that
 * the AOT cache cannot hold: about 70 ms of CPU per process on a 2-core machine, more than {@code
 * thin ls} spends reading the pool. A model built here has the names, descriptions and help the
 * annotations gave (CodedModelTest compares the help with the text they produced; the generated man
 * pages and completion did not change). The other commands keep their annotations: they run long
 * enough for the proxies not to matter.
 */
final class CodedModel {
  /** The mixin name picocli gives {@code mixinStandardHelpOptions}, which the help checks for. */
  private static final String STANDARD_HELP = "mixinStandardHelpOptions";

  private CodedModel() {}

  /**
   * The model of {@code command} named {@code name}: picocli runs {@code command} (a Runnable or
   * Callable); its options, then {@code -h} and {@code -V} as with {@code mixinStandardHelpOptions}
   * (in that order, as picocli adds annotated ones: the man pages and the completion list them so).
   */
  static CommandSpec command(
      Object command, String name, String description, OptionSpec... options) {
    CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(name);
    spec.usageMessage().description(description);
    for (OptionSpec o : options) {
      spec.addOption(o);
    }
    CommandSpec help = CommandSpec.create();
    help.addOption(
        OptionSpec.builder("-h", "--help")
            .usageHelp(true)
            .type(boolean.class)
            .descriptionKey(STANDARD_HELP + ".help")
            .description("Show this help message and exit.")
            .build());
    help.addOption(
        OptionSpec.builder("-V", "--version")
            .versionHelp(true)
            .type(boolean.class)
            .descriptionKey(STANDARD_HELP + ".version")
            .description("Print version information and exit.")
            .build());
    spec.addMixin(STANDARD_HELP, help);
    return spec;
  }

  /** A flag (arity 0) kept in a command's field. */
  static OptionSpec flag(
      String[] names, String description, Supplier<Boolean> get, Consumer<Boolean> set) {
    return option(names, boolean.class, description, get, set).build();
  }

  /**
   * An option with a value, kept in a command's field; its value before parsing is the field's
   * value now (picocli puts it back before each parse, as it does for annotated fields).
   */
  static <V> OptionSpec.Builder option(
      String[] names, Class<?> type, String description, Supplier<V> get, Consumer<V> set) {
    Field<V> field = new Field<>(get, set);
    return OptionSpec.builder(names)
        .type(type)
        .description(description)
        .initialValue(get.get())
        .getter(field)
        .setter(field);
  }

  /** An option's value in a command's field, read and written without reflection. */
  private static final class Field<V> implements IGetter, ISetter {
    private final Supplier<V> get;
    private final Consumer<V> set;

    Field(Supplier<V> get, Consumer<V> set) {
      this.get = get;
      this.set = set;
    }

    @Override
    @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
    public <T> T get() {
      return (T) get.get();
    }

    @Override
    @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
    public <T> T set(T value) {
      T old = (T) get.get();
      set.accept((V) value);
      return old;
    }
  }
}

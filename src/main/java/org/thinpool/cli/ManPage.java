package org.thinpool.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A man page (roff, man(7) macros) for one command, written from its picocli model: the same names,
 * options and descriptions as {@code --help}, so the two cannot drift apart.
 */
final class ManPage {
  private final CommandLine cl;
  private final StringBuilder out = new StringBuilder();

  private ManPage(CommandLine cl) {
    this.cl = cl;
  }

  /** The page's file name stem: "thinpool", "thinpool-thin-ls". */
  static String name(CommandLine cl) {
    return cl.getCommandSpec().qualifiedName("-");
  }

  static String render(CommandLine cl, String version) {
    return new ManPage(cl).write(version);
  }

  private String write(String version) {
    CommandSpec spec = cl.getCommandSpec();
    String[] description = spec.usageMessage().description();
    line(
        ".TH "
            + roff(name(cl).toUpperCase(java.util.Locale.ROOT))
            + " 1 \"\" \"thinpool "
            + roff(version)
            + "\" \"thinpool manual\"");
    line(".SH NAME");
    line(roff(name(cl)) + " \\- " + roff(description.length > 0 ? description[0] : ""));
    line(".SH SYNOPSIS");
    line(".nf");
    text(cl.getHelp().synopsis(0).stripTrailing());
    line(".fi");
    line(".SH DESCRIPTION");
    for (String d : description) {
      text(d);
      line(".PP");
    }
    positionals(spec.positionalParameters());
    options(spec.options());
    subcommands(cl.getSubcommands());
    exitCodes(spec.usageMessage().exitCodeList());
    seeAlso(spec);
    return out.toString();
  }

  private void positionals(List<PositionalParamSpec> params) {
    if (params.isEmpty()) {
      return;
    }
    line(".SH ARGUMENTS");
    for (PositionalParamSpec p : params) {
      if (!p.hidden()) {
        item(p.paramLabel(), String.join(" ", p.description()));
      }
    }
  }

  private void options(List<OptionSpec> options) {
    line(".SH OPTIONS");
    for (OptionSpec o : options) {
      if (o.hidden()) {
        continue;
      }
      String names = String.join(", ", o.names());
      if (o.arity().max() > 0) {
        names += " " + o.paramLabel();
      }
      item(names, String.join(" ", o.description()));
    }
  }

  private void subcommands(Map<String, CommandLine> subs) {
    if (subs.isEmpty()) {
      return;
    }
    line(".SH COMMANDS");
    for (CommandLine sub : subs.values()) {
      String[] d = sub.getCommandSpec().usageMessage().description();
      item(sub.getCommandName(), (d.length > 0 ? d[0] : "") + " See " + name(sub) + "(1).");
    }
  }

  private void exitCodes(Map<String, String> codes) {
    if (codes.isEmpty()) {
      return;
    }
    line(".SH EXIT STATUS");
    codes.forEach((code, meaning) -> item(code.strip(), meaning));
  }

  private void seeAlso(CommandSpec spec) {
    line(".SH SEE ALSO");
    StringBuilder refs = new StringBuilder();
    if (spec.parent() != null) {
      refs.append(spec.parent().qualifiedName("-")).append("(1), ");
    }
    text(refs + "thin_check(8), thin_dump(8), thin_ls(8), dmsetup(8)");
  }

  private void item(String term, String description) {
    line(".TP");
    line(".B " + roff(term));
    text(description);
  }

  /** Running text: each line escaped, none starting with a control character. */
  private void text(String s) {
    for (String l : Help.Ansi.OFF.string(s).split("\n", -1)) {
      line(l.isBlank() ? ".PP" : roff(l));
    }
  }

  private void line(String s) {
    out.append(s).append('\n');
  }

  /** Escapes a backslash and hyphens; a leading '.' or '\'' would be read as a request. */
  static String roff(String s) {
    String e = s.replace("\\", "\\e").replace("-", "\\-");
    return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
  }
}

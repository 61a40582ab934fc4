package org.thinpool.snapshotter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * containerd's list filters (the syntax of its {@code filters} package) on snapshot fields: a
 * request's filters are OR-ed; each is a comma-separated AND of selectors {@code fieldpath}, {@code
 * fieldpath==value}, {@code fieldpath!=value} or {@code fieldpath~=regexp}; a field path is
 * dot-separated, each part bare or double-quoted ({@code labels."containerd.io/gc.root"}); a value
 * is bare (up to the next comma) or double-quoted. Fields: {@code name}, {@code parent}, {@code
 * kind} (view, active, committed) and {@code labels.KEY}.
 */
final class ListFilter {
  /** Bounds the work a hostile filter can ask for. */
  static final int MAX_FILTER_CHARS = 4096;

  static final int MAX_FILTERS = 64;

  private enum Op {
    PRESENT,
    EQUAL,
    NOT_EQUAL,
    MATCHES
  }

  private record Selector(List<String> path, Op op, String value, Pattern regexp) {}

  /** Outer list: alternatives (OR); inner: selectors (AND). Empty outer list matches all. */
  private final List<List<Selector>> alternatives;

  private ListFilter(List<List<Selector>> alternatives) {
    this.alternatives = alternatives;
  }

  static ListFilter parse(List<String> filters) throws SnapshotterException {
    if (filters.size() > MAX_FILTERS) {
      throw SnapshotterException.invalidArgument(
          "more than " + MAX_FILTERS + " filters in one request");
    }
    List<List<Selector>> alts = new ArrayList<>();
    for (String f : filters) {
      if (f.isBlank()) {
        continue;
      }
      if (f.length() > MAX_FILTER_CHARS) {
        throw SnapshotterException.invalidArgument(
            "filter longer than " + MAX_FILTER_CHARS + " characters");
      }
      alts.add(new Parser(f).selectors());
    }
    return new ListFilter(alts);
  }

  boolean matches(SnapshotInfo info) {
    if (alternatives.isEmpty()) {
      return true;
    }
    for (List<Selector> all : alternatives) {
      if (all.stream().allMatch(s -> matches(s, info))) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(Selector s, SnapshotInfo info) {
    Optional<String> v = field(s.path(), info);
    return switch (s.op()) {
      case PRESENT -> v.isPresent();
      case EQUAL -> v.isPresent() && v.get().equals(s.value());
      case NOT_EQUAL -> !v.orElse("").equals(s.value());
      case MATCHES -> v.isPresent() && s.regexp().matcher(v.get()).find();
    };
  }

  private static Optional<String> field(List<String> path, SnapshotInfo info) {
    String head = path.getFirst();
    if (path.size() == 1) {
      String v =
          switch (head) {
            case "name" -> info.name();
            case "parent" -> info.parent();
            case "kind" -> info.kind().name().toLowerCase(Locale.ROOT);
            default -> "";
          };
      return v.isEmpty() ? Optional.empty() : Optional.of(v);
    }
    if (head.equals("labels")) {
      String key = String.join(".", path.subList(1, path.size()));
      return Optional.ofNullable(info.labels().get(key));
    }
    return Optional.empty();
  }

  /** A small recursive-descent scanner over one filter string. */
  private static final class Parser {
    private final String s;
    private int at;

    Parser(String s) {
      this.s = s;
    }

    List<Selector> selectors() throws SnapshotterException {
      List<Selector> out = new ArrayList<>();
      do {
        out.add(selector());
        skipSpace();
      } while (eat(","));
      if (at < s.length()) {
        throw bad("unexpected " + s.charAt(at));
      }
      return out;
    }

    private Selector selector() throws SnapshotterException {
      List<String> path = new ArrayList<>();
      do {
        skipSpace();
        path.add(token(".,=!~"));
      } while (eat("."));
      skipSpace();
      Op op;
      if (eat("==")) {
        op = Op.EQUAL;
      } else if (eat("!=")) {
        op = Op.NOT_EQUAL;
      } else if (eat("~=")) {
        op = Op.MATCHES;
      } else {
        return new Selector(path, Op.PRESENT, "", null);
      }
      skipSpace();
      String value = token(",");
      Pattern re = null;
      if (op == Op.MATCHES) {
        try {
          re = Pattern.compile(value);
        } catch (PatternSyntaxException e) {
          throw bad("bad regular expression " + value);
        }
      }
      return new Selector(path, op, value, re);
    }

    /** A double-quoted string (backslash escapes) or a bare run up to a stop character. */
    private String token(String stops) throws SnapshotterException {
      if (eat("\"")) {
        StringBuilder b = new StringBuilder();
        while (at < s.length() && s.charAt(at) != '"') {
          char c = s.charAt(at++);
          if (c == '\\' && at < s.length()) {
            c = s.charAt(at++);
          }
          b.append(c);
        }
        if (!eat("\"")) {
          throw bad("unterminated quote");
        }
        return b.toString();
      }
      int start = at;
      while (at < s.length()
          && stops.indexOf(s.charAt(at)) < 0
          && !Character.isWhitespace(s.charAt(at))) {
        at++;
      }
      if (start == at) {
        throw bad("empty field or value");
      }
      return s.substring(start, at);
    }

    private boolean eat(String t) {
      if (s.startsWith(t, at)) {
        at += t.length();
        return true;
      }
      return false;
    }

    private void skipSpace() {
      while (at < s.length() && Character.isWhitespace(s.charAt(at))) {
        at++;
      }
    }

    private SnapshotterException bad(String why) {
      return SnapshotterException.invalidArgument("bad filter " + s + " at " + at + ": " + why);
    }
  }
}

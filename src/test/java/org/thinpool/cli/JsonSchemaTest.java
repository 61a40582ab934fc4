package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.JsonReader;
import org.thinpool.testing.Testdata;
import picocli.CommandLine;

/**
 * docs/cli-json.md is the contract of every {@code --json} output: each command's output here must
 * have exactly the documented keys with the documented types, and every command with a {@code
 * --json} option must be documented. Commands run through the lean tree, as main runs them.
 */
class JsonSchemaTest {
  @TempDir Path tmp;

  /** Documented keys and types per section: "status --json", "thin ls --json#devices". */
  static Map<String, Map<String, String>> schema() throws IOException {
    Map<String, Map<String, String>> sections = new LinkedHashMap<>();
    Pattern heading = Pattern.compile("^##(#?) `([^`]+)`");
    Pattern row = Pattern.compile("^\\| `([a-z_]+)` \\| ([a-z|\\\\]+) \\|");
    String command = null;
    Map<String, String> current = null;
    for (String line : Files.readAllLines(Path.of("docs/cli-json.md"))) {
      Matcher h = heading.matcher(line);
      Matcher r = row.matcher(line);
      if (h.find()) {
        boolean nested = !h.group(1).isEmpty();
        String name = h.group(2);
        command = nested ? command : name;
        current = new LinkedHashMap<>();
        sections.put(nested ? command + "#" + name.replace("[]", "") : name, current);
      } else if (r.find() && current != null) {
        current.put(r.group(1), r.group(2).replace("\\", ""));
      }
    }
    return sections;
  }

  static String run(int expectedExit, String... args) {
    CommandLine cl = Main.commandLine(args);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute(args)).as(List.of(args) + ": " + err).isEqualTo(expectedExit);
    assertThat(err.toString()).as("stderr of " + List.of(args)).isEmpty();
    return out.toString();
  }

  @Test
  void everyJsonOutputMatchesTheDocumentedSchema() throws IOException {
    Map<String, Map<String, String>> schema = schema();
    String pool = tmp.resolve("pool").toString();
    Path image = tmp.resolve("image");
    byte[] bytes = new byte[200_000];
    bytes[0] = 1;
    Files.write(image, bytes);
    List<String> checked = new ArrayList<>();
    check(
        schema,
        checked,
        "create --json",
        run(0, "--pool", pool, "create", "--data-size", "64M", "--json"));
    run(0, "--pool", pool, "thin", "create", "1", "16M");
    run(0, "--pool", pool, "import", "1", image.toString());
    run(0, "--pool", pool, "thin", "snapshot", "2", "1");
    check(schema, checked, "thin ls --json", run(0, "--pool", pool, "thin", "ls", "--json"));
    check(schema, checked, "status --json", run(0, "--pool", pool, "status", "--json"));
    check(schema, checked, "info --json", run(0, "--pool", pool, "info", "--json"));
    check(schema, checked, "check --json", run(0, "--pool", pool, "check", "--json"));
    check(
        schema,
        checked,
        "grow --json",
        run(0, "--pool", pool, "grow", "--data-size", "128M", "--json"));
    // A bare metadata file with problems: size is null, problems[] is not empty.
    Path bad = tmp.resolve("bad");
    Files.createDirectories(bad);
    Files.copy(Testdata.dmThin().resolve("bad_leak.meta"), bad.resolve("metadata"));
    Map<String, Object> report =
        check(
            schema,
            checked,
            "check --json",
            run(ExitCodes.CHECK_FAILED, "--pool", bad.toString(), "check", "--json"));
    assertThat((List<?>) report.get("problems")).isNotEmpty();
    assertThat(report.get("clean")).isEqualTo(false);
    assertThat(new TreeSet<>(checked))
        .containsExactlyInAnyOrderElementsOf(
            schema.keySet().stream().filter(k -> !k.contains("#")).toList());
  }

  @Test
  void everyCommandWithJsonIsDocumented() throws IOException {
    Map<String, Map<String, String>> schema = schema();
    List<String> withJson = new ArrayList<>();
    collect(Main.commandLine(), withJson);
    assertThat(withJson).isNotEmpty().allSatisfy(c -> assertThat(schema).containsKey(c));
  }

  @Test
  void bareMetadataHasNullSizes() throws IOException {
    Path bare = tmp.resolve("bare");
    Files.createDirectories(bare);
    Files.copy(Testdata.dmThin().resolve("snapshot.meta"), bare.resolve("metadata"));
    String out = run(0, "--pool", bare.toString(), "thin", "ls", "--json");
    Map<String, Object> doc = check(schema(), new ArrayList<>(), "thin ls --json", out);
    assertThat((List<?>) doc.get("devices"))
        .hasSize(2)
        .allSatisfy(d -> assertThat(((Map<?, ?>) d).get("size")).isNull());
  }

  private static void collect(CommandLine cl, List<String> out) {
    if (cl.getCommandSpec().findOption("--json") != null) {
      String path = cl.getCommandSpec().qualifiedName(" ");
      out.add(path.substring(path.indexOf(' ') + 1) + " --json");
    }
    cl.getSubcommands().values().forEach(sub -> collect(sub, out));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> check(
      Map<String, Map<String, String>> schema,
      List<String> checked,
      String section,
      String output) {
    Object doc = JsonReader.parse(output);
    assertThat(doc).as(section).isInstanceOf(Map.class);
    Map<String, Object> object = (Map<String, Object>) doc;
    assertThat(object.keySet().iterator().next()).as(section + ": first key").isEqualTo("version");
    assertThat(object.get("version")).isEqualTo(JsonOutput.SCHEMA_VERSION);
    matches(schema, section, object);
    checked.add(section);
    return object;
  }

  @SuppressWarnings("unchecked")
  private static void matches(
      Map<String, Map<String, String>> schema, String section, Map<String, Object> object) {
    Map<String, String> keys = schema.get(section);
    assertThat(keys).as("documented section " + section).isNotNull();
    assertThat(object.keySet()).as(section).containsExactlyElementsOf(keys.keySet());
    keys.forEach(
        (key, type) -> {
          Object v = object.get(key);
          assertThat(typeOk(type, v)).as(section + "." + key + " = " + v + " is " + type).isTrue();
          if (type.equals("array")) {
            String nested = section.split("#")[0] + "#" + key;
            for (Object element : (List<Object>) v) {
              assertThat(element).isInstanceOf(Map.class);
              matches(schema, nested, (Map<String, Object>) element);
            }
          }
        });
  }

  private static boolean typeOk(String type, Object v) {
    for (String t : type.split("\\|")) {
      boolean ok =
          switch (t) {
            case "integer" -> v instanceof Long;
            case "string" -> v instanceof String;
            case "boolean" -> v instanceof Boolean;
            case "array" -> v instanceof List;
            case "null" -> v == null;
            default -> throw new AssertionError("unknown type in docs/cli-json.md: " + t);
          };
      if (ok) {
        return true;
      }
    }
    return false;
  }
}

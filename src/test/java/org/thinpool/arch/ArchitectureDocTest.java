package org.thinpool.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/ARCHITECTURE.md stays true: its layer table names exactly the layers of {@link
 * LayeringTest#LAYERS}, bottom-up in the same order, each with the same direct uses.
 */
class ArchitectureDocTest {
  private static final Path DOC = Path.of("docs", "ARCHITECTURE.md");
  private static final Pattern NAME = Pattern.compile("`([a-z.]+)`");

  /** Layer name to its direct uses, from the rows of the table under "## Layers". */
  static Map<String, List<String>> documentedLayers() throws IOException {
    Map<String, List<String>> layers = new LinkedHashMap<>();
    boolean inSection = false;
    for (String line : Files.readAllLines(DOC, StandardCharsets.UTF_8)) {
      if (line.startsWith("## ")) {
        inSection = line.equals("## Layers");
      } else if (inSection && line.startsWith("| `")) {
        String[] cells = line.split("\\|");
        Matcher name = NAME.matcher(cells[1]);
        assertThat(name.find()).as(line).isTrue();
        List<String> uses = new ArrayList<>();
        Matcher use = NAME.matcher(cells[2]);
        while (use.find()) {
          uses.add(use.group(1));
        }
        assertThat(layers.put(name.group(1), uses)).as("twice: " + line).isNull();
      }
    }
    return layers;
  }

  @Test
  void theLayerTableMatchesTheLayeringTest() throws IOException {
    Map<String, List<String>> expected = new LinkedHashMap<>();
    for (LayeringTest.Layer l : LayeringTest.LAYERS) {
      expected.put(l.name(), l.uses());
    }
    Map<String, List<String>> documented = documentedLayers();
    assertThat(documented.keySet()).containsExactlyElementsOf(expected.keySet());
    assertThat(documented).containsExactlyEntriesOf(expected);
  }
}

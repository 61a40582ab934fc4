package org.thinpool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.thinpool.testing.JsonReader;

class JsonOutputTest {
  @Test
  void rendersVersionFirstAndOneLinePerArrayElement() {
    String text =
        JsonOutput.document()
            .put("name", "a \"quoted\" \\ path\n\t\u0001")
            .put("count", -5)
            .put("ok", true)
            .putNull("size")
            .put(
                "items",
                List.of(JsonOutput.nested().put("id", 1), JsonOutput.nested().put("id", 2)))
            .put("empty", List.of())
            .render();
    assertThat(text)
        .startsWith("{\n  \"version\": 1,\n")
        .endsWith("}\n")
        .contains("\n    {\"id\": 1},\n    {\"id\": 2}\n");
    Map<?, ?> parsed = (Map<?, ?>) JsonReader.parse(text);
    assertThat(parsed.get("name")).isEqualTo("a \"quoted\" \\ path\n\t\u0001");
    assertThat(parsed.get("count")).isEqualTo(-5L);
    assertThat(parsed.get("ok")).isEqualTo(true);
    assertThat(parsed.containsKey("size")).isTrue();
    assertThat(parsed.get("size")).isNull();
    assertThat((List<?>) parsed.get("items")).hasSize(2);
    assertThat((List<?>) parsed.get("empty")).isEmpty();
  }

  @Test
  void aKeyTwiceIsAProgrammingError() {
    assertThatThrownBy(() -> JsonOutput.document().put("version", 2))
        .isInstanceOf(AssertionError.class);
  }
}

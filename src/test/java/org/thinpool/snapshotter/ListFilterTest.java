package org.thinpool.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** containerd's filter syntax, on the cases its snapshotter suite's Walk test lists. */
class ListFilterTest {
  private static final String ROOT = "containerd.io/gc.root";

  static SnapshotInfo info(String name, String parent, SnapshotKind k, Map<String, String> l) {
    return new SnapshotInfo(name, parent, k, l, Instant.EPOCH, Instant.EPOCH);
  }

  static final List<SnapshotInfo> ALL =
      List.of(
          info("a-np", "", SnapshotKind.ACTIVE, Map.of(ROOT, "check-walk")),
          info("p", "", SnapshotKind.COMMITTED, Map.of(ROOT, "check-walk")),
          info("a", "p", SnapshotKind.ACTIVE, Map.of(ROOT, "check-walk")),
          info("v", "p", SnapshotKind.VIEW, Map.of(ROOT, "check-walk")),
          info("p-wl", "", SnapshotKind.COMMITTED, Map.of(ROOT, "check-walk", "l", "1")),
          info("a-wl", "p-wl", SnapshotKind.ACTIVE, Map.of(ROOT, "check-walk", "l", "2")),
          info("v-wl", "p-wl", SnapshotKind.VIEW, Map.of(ROOT, "check-walk", "l", "3")),
          info("a-np-wl", "", SnapshotKind.ACTIVE, Map.of(ROOT, "check-walk", "l", "2")),
          info("other", "", SnapshotKind.ACTIVE, Map.of()));

  static List<String> names(String... filters) throws Exception {
    ListFilter f = ListFilter.parse(List.of(filters));
    return ALL.stream().filter(f::matches).map(SnapshotInfo::name).toList();
  }

  @Test
  void selectsLikeContainerd() throws Exception {
    assertThat(names()).hasSize(ALL.size());
    assertThat(names("labels.\"containerd.io/gc.root\"==check-walk"))
        .containsExactly("a-np", "p", "a", "v", "p-wl", "a-wl", "v-wl", "a-np-wl");
    assertThat(names("kind==active,labels.\"containerd.io/gc.root\"==check-walk"))
        .containsExactly("a-np", "a", "a-wl", "a-np-wl");
    assertThat(names("kind==view,labels.\"containerd.io/gc.root\"==check-walk"))
        .containsExactly("v", "v-wl");
    assertThat(names("name==p", "name==a-np-wl")).containsExactly("p", "a-np-wl");
    assertThat(names("name==a-wl,labels.l")).containsExactly("a-wl");
    assertThat(names("parent==p")).containsExactly("a", "v");
    assertThat(names("parent!=\"\",labels.\"containerd.io/gc.root\"==check-walk"))
        .containsExactly("a", "v", "a-wl", "v-wl");
    assertThat(names("labels.l")).containsExactly("p-wl", "a-wl", "v-wl", "a-np-wl");
    assertThat(names("labels.l==2")).containsExactly("a-wl", "a-np-wl");
    assertThat(names("name~=^a-np")).containsExactly("a-np", "a-np-wl");
  }

  @Test
  void malformedFiltersAreInvalidArguments() {
    for (String bad : List.of("name==", "labels.\"open", "name~=(", "==x", "name==a,,")) {
      assertThatThrownBy(() -> ListFilter.parse(List.of(bad)))
          .as(bad)
          .isInstanceOfSatisfying(
              SnapshotterException.class,
              e -> assertThat(e.kind()).isEqualTo(SnapshotterException.Kind.INVALID_ARGUMENT));
    }
    assertThatThrownBy(() -> ListFilter.parse(List.of("x".repeat(5000))))
        .isInstanceOfSatisfying(
            SnapshotterException.class,
            e -> assertThat(e.kind()).isEqualTo(SnapshotterException.Kind.INVALID_ARGUMENT));
  }
}

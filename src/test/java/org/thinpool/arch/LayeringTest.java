package org.thinpool.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.thinpool.pool.PoolStateException;

/**
 * Dependencies point down. {@link #LAYERS} is the one table of the architecture, bottom-up; each
 * layer names the layers it uses directly, and may use everything those use in turn. Siblings never
 * use each other: {@code thin.xml} and {@code thin.check}; {@code nbd} and {@code snapshotter}.
 * docs/ARCHITECTURE.md draws the same table ({@code ArchitectureDocTest}).
 */
class LayeringTest {
  /** One layer: its short name (the package below {@code org.thinpool}) and what it uses. */
  record Layer(String name, List<String> uses, boolean optional) {
    String packageName() {
      return "org.thinpool." + name;
    }

    /** Subpackages of a layer that are layers themselves ({@code thin.xml}) are not its own. */
    boolean owns(String pkg, List<Layer> all) {
      if (!pkg.equals(packageName()) && !pkg.startsWith(packageName() + ".")) {
        return false;
      }
      return all.stream()
          .filter(l -> l.name.length() > name.length())
          .noneMatch(l -> pkg.equals(l.packageName()) || pkg.startsWith(l.packageName() + "."));
    }
  }

  private static Layer layer(String name, String... uses) {
    return new Layer(name, List.of(uses), false);
  }

  /** A layer that has no classes yet: the room left for what is planned. */
  private static Layer planned(String name, String... uses) {
    return new Layer(name, List.of(uses), true);
  }

  static final List<Layer> LAYERS =
      List.of(
          layer("io"),
          layer("meta.block", "io"),
          layer("meta.tx", "meta.block"),
          layer("meta.btree", "meta.tx"),
          layer("meta.space", "meta.btree"),
          layer("thin", "meta.space"),
          layer("thin.xml", "thin"),
          layer("thin.check", "thin"),
          layer("pool", "thin.xml", "thin.check"),
          planned("nbd", "pool"),
          layer("snapshotter", "pool"),
          planned("server", "nbd", "snapshotter"),
          layer("cli", "server"));

  private static final JavaClasses MAIN_CLASSES =
      new ClassFileImporter()
          .withImportOption(location -> !location.contains("/test-classes/"))
          .importPackages("org.thinpool");

  /** Every layer {@code name} may use, directly or through the layers it uses. */
  static Set<String> reach(String name) {
    Set<String> seen = new LinkedHashSet<>();
    List<String> todo = new ArrayList<>(find(name).uses());
    while (!todo.isEmpty()) {
      String next = todo.removeLast();
      if (seen.add(next)) {
        todo.addAll(find(next).uses());
      }
    }
    return seen;
  }

  private static Layer find(String name) {
    return LAYERS.stream()
        .filter(l -> l.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no layer " + name));
  }

  @Test
  void layersDependOnlyDownwards() {
    LayeredArchitecture arch = layeredArchitecture().consideringOnlyDependenciesInLayers();
    for (Layer l : LAYERS) {
      boolean hasSubLayers = LAYERS.stream().anyMatch(o -> o.name().startsWith(l.name() + "."));
      String packages = hasSubLayers ? l.packageName() : l.packageName() + "..";
      arch =
          l.optional()
              ? arch.optionalLayer(l.name()).definedBy(packages)
              : arch.layer(l.name()).definedBy(packages);
    }
    for (Layer l : LAYERS) {
      String[] users =
          LAYERS.stream()
              .filter(other -> reach(other.name()).contains(l.name()))
              .map(Layer::name)
              .toArray(String[]::new);
      arch =
          users.length == 0
              ? arch.whereLayer(l.name()).mayNotBeAccessedByAnyLayer()
              : arch.whereLayer(l.name()).mayOnlyBeAccessedByLayers(users);
    }
    arch.check(MAIN_CLASSES);
  }

  @Test
  void everyPackageBelongsToExactlyOneLayer() {
    Set<String> orphans = new TreeSet<>();
    for (JavaClass c : MAIN_CLASSES) {
      long owners = LAYERS.stream().filter(l -> l.owns(c.getPackageName(), LAYERS)).count();
      if (owners != 1) {
        orphans.add(c.getPackageName() + " (" + owners + " layers)");
      }
    }
    assertThat(orphans).isEmpty();
  }

  @Test
  void siblingsNeverUseEachOther() {
    assertThat(reach("thin.xml")).doesNotContain("thin.check");
    assertThat(reach("thin.check")).doesNotContain("thin.xml");
    assertThat(reach("nbd")).doesNotContain("snapshotter");
    assertThat(reach("snapshotter")).doesNotContain("nbd");
    assertThat(reach("server")).contains("nbd", "snapshotter", "pool");
    assertThat(reach("cli"))
        .containsExactlyInAnyOrderElementsOf(
            LAYERS.stream().map(Layer::name).filter(n -> !n.equals("cli")).toList());
  }

  /** Errors thrown by a layer are that layer's types: the pool's refusal is not the model's. */
  @Test
  void onlyThePoolAndAboveUsePoolStateException() {
    noClasses()
        .that()
        .resideInAnyPackage("org.thinpool.io..", "org.thinpool.meta..", "org.thinpool.thin..")
        .and()
        .doNotHaveFullyQualifiedName(PoolStateException.class.getName())
        .should()
        .dependOnClassesThat()
        .areAssignableTo(PoolStateException.class)
        .check(MAIN_CLASSES);
  }
}

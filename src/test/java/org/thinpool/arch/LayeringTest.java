package org.thinpool.arch;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point down: io <- meta.block <- meta.tx <- meta.btree <- meta.space <- thin <-
 * pool <- nbd <- server <- cli.
 */
class LayeringTest {
  @Test
  void layersDependOnlyDownwards() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(location -> !location.contains("/test-classes/"))
            .importPackages("org.thinpool");
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("io").definedBy("org.thinpool.io..")
        .layer("block").definedBy("org.thinpool.meta.block..")
        .layer("tx").definedBy("org.thinpool.meta.tx..")
        .layer("btree").definedBy("org.thinpool.meta.btree..")
        .layer("space").definedBy("org.thinpool.meta.space..")
        .layer("thin").definedBy("org.thinpool.thin..")
        .layer("pool").definedBy("org.thinpool.pool..")
        .layer("nbd").definedBy("org.thinpool.nbd..")
        .layer("server").definedBy("org.thinpool.server..")
        .layer("cli").definedBy("org.thinpool.cli..")
        .whereLayer("cli").mayNotBeAccessedByAnyLayer()
        .whereLayer("server").mayOnlyBeAccessedByLayers("cli")
        .whereLayer("nbd").mayOnlyBeAccessedByLayers("server", "cli")
        .whereLayer("pool").mayOnlyBeAccessedByLayers("nbd", "server", "cli")
        .whereLayer("thin").mayOnlyBeAccessedByLayers("pool", "cli")
        .whereLayer("space").mayOnlyBeAccessedByLayers("thin", "pool", "cli")
        .whereLayer("btree").mayOnlyBeAccessedByLayers("space", "thin", "pool", "cli")
        .whereLayer("tx").mayOnlyBeAccessedByLayers("btree", "space", "thin", "pool", "cli")
        .whereLayer("block")
        .mayOnlyBeAccessedByLayers("tx", "btree", "space", "thin", "pool", "cli")
        .check(classes);
  }
}

package org.thinpool.arch;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Dependencies point down: io <- meta.block <- meta.tx <- meta.btree <- meta.space <- thin. */
class LayeringTest {
  @Test
  void layersDependOnlyDownwards() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.thinpool");
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("io").definedBy("org.thinpool.io..")
        .layer("block").definedBy("org.thinpool.meta.block..")
        .layer("tx").definedBy("org.thinpool.meta.tx..")
        .layer("btree").definedBy("org.thinpool.meta.btree..")
        .layer("space").definedBy("org.thinpool.meta.space..")
        .layer("thin").definedBy("org.thinpool.thin..")
        .layer("cli").definedBy("org.thinpool.cli..")
        .whereLayer("cli").mayNotBeAccessedByAnyLayer()
        .whereLayer("thin").mayOnlyBeAccessedByLayers("cli")
        .whereLayer("space").mayOnlyBeAccessedByLayers("thin", "cli")
        .whereLayer("btree").mayOnlyBeAccessedByLayers("space", "thin", "cli")
        .whereLayer("tx").mayOnlyBeAccessedByLayers("btree", "space", "thin", "cli")
        .whereLayer("block").mayOnlyBeAccessedByLayers("tx", "btree", "space", "thin", "cli")
        .check(classes);
  }
}

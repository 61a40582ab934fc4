package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.thinpool.thin.MetadataPrograms.Kind;
import org.thinpool.thin.MetadataPrograms.Op;
import org.thinpool.thin.MetadataPrograms.Shape;

/** The shared program generator gives each test the programs its shape asks for, no others. */
class MetadataProgramsTest {
  @Test
  void programsHoldExactlyTheWeightedKindsWithinTheShapesBounds() {
    for (Shape shape : List.of(DeviceRootCacheTest.SHAPE, MetadataModelPropertyTest.SHAPE)) {
      Set<Kind> seen = EnumSet.noneOf(Kind.class);
      MetadataPrograms.programs(shape)
          .sampleStream()
          .limit(200)
          .forEach(
              program -> {
                assertThat(program).hasSizeBetween(shape.minOps(), shape.maxOps());
                for (Op op : program) {
                  seen.add(op.kind());
                  assertThat(op.firstBlock()).isBetween(0, shape.maxFirstBlock());
                  assertThat(op.blockCount()).isBetween(1, shape.maxBlockCount());
                }
              });
      assertThat(seen).isEqualTo(shape.weights().keySet());
    }
  }
}

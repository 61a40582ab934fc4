package org.thinpool.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import org.thinpool.io.FileBlockDevice;

/**
 * Random programs over {@link ThinMetadata} with a {@link TreeMap} oracle: one generator and one
 * interpreter for every model test of the metadata, shaped by a {@link Shape} (how often each
 * operation comes, how far and how long a mapping run reaches, how long a program is).
 *
 * <p>The oracle maps thin id to (virtual block to data block). A replaced mapping drops its
 * reference to the old data block in the tree, so the oracle simply overwrites it.
 */
final class MetadataPrograms {
  private MetadataPrograms() {}

  /** What one step does. */
  enum Kind {
    CREATE,
    SNAPSHOT,
    DELETE,
    MAP,
    UNMAP,
    COMMIT,
    ABORT,
    REOPEN
  }

  /**
   * One step: {@code pick} chooses a device among the existing ones (modulo their number), a
   * mapping run starts at virtual block {@code firstBlock} and spans {@code blockCount} blocks.
   */
  record Op(Kind kind, int pick, int firstBlock, int blockCount) {}

  /**
   * The shape of a program.
   *
   * @param weights relative frequency of each kind (absent: never)
   * @param maxFirstBlock largest first virtual block of a run
   * @param maxBlockCount longest run in blocks
   * @param maxStride a run maps every {@code 1 + blockCount % maxStride}-th block (1: all)
   * @param minOps shortest program
   * @param maxOps longest program
   */
  record Shape(
      Map<Kind, Integer> weights,
      int maxFirstBlock,
      int maxBlockCount,
      int maxStride,
      int minOps,
      int maxOps) {}

  /** Random programs of {@code shape}. */
  static Arbitrary<List<Op>> programs(Shape shape) {
    List<Tuple2<Integer, Kind>> frequencies = new ArrayList<>();
    // In enum order, whatever map the caller passed: a seed must replay the same program.
    new EnumMap<>(shape.weights()).forEach((kind, w) -> frequencies.add(Tuple.of(w, kind)));
    Arbitrary<Op> op =
        Combinators.combine(
                Arbitraries.frequency(frequencies),
                Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(0, shape.maxFirstBlock()),
                Arbitraries.integers().between(1, shape.maxBlockCount()))
            .as(Op::new);
    return op.list().ofMinSize(shape.minOps()).ofMaxSize(shape.maxOps());
  }

  /**
   * Runs programs against the metadata on file {@code meta} and the oracle. The first step, and any
   * step while no device exists, creates a device whatever its kind says.
   */
  static final class Run implements AutoCloseable {
    private final Path meta;
    private final Shape shape;
    private ThinMetadata md;
    private Map<Long, TreeMap<Long, Long>> model = new TreeMap<>();
    private Map<Long, TreeMap<Long, Long>> committed = new TreeMap<>();
    private long nextId;

    Run(Path meta, Shape shape, ThinMetadata md) {
      this.meta = meta;
      this.shape = shape;
      this.md = md;
    }

    ThinMetadata metadata() {
      return md;
    }

    /** The oracle: thin id to (virtual block to data block). */
    Map<Long, TreeMap<Long, Long>> model() {
      return model;
    }

    /** Applies one step to both sides; returns the kind actually done. */
    Kind apply(Op op) throws IOException {
      List<Long> ids = new ArrayList<>(model.keySet());
      if (ids.isEmpty()) {
        create();
        return Kind.CREATE;
      }
      long id = ids.get(op.pick() % ids.size());
      long first = op.firstBlock();
      long end = first + op.blockCount();
      switch (op.kind()) {
        case CREATE -> create();
        case SNAPSHOT -> {
          md.createSnap(nextId, id);
          model.put(nextId++, new TreeMap<>(model.get(id)));
        }
        case DELETE -> {
          md.delete(id);
          model.remove(id);
        }
        case MAP -> {
          long stride = 1L + op.blockCount() % shape.maxStride();
          for (long v = first; v < end; v += stride) {
            long data = md.allocDataBlock();
            md.insertMapping(id, v, data);
            model.get(id).put(v, data);
          }
        }
        case UNMAP -> {
          long removed = md.removeRange(id, first, end);
          Map<Long, Long> gone = model.get(id).subMap(first, end);
          assertThat(removed).isEqualTo(gone.size());
          gone.clear();
        }
        case COMMIT -> {
          md.commit();
          committed = copy(model);
        }
        case ABORT -> {
          md.abort();
          model = copy(committed);
        }
        case REOPEN -> {
          md.close(); // no commit: a reopen finds the last committed state
          md = ThinMetadata.open(FileBlockDevice.open(meta), false, 64);
          model = copy(committed);
        }
      }
      return op.kind();
    }

    private void create() throws IOException {
      md.createThin(nextId);
      model.put(nextId++, new TreeMap<>());
    }

    private static Map<Long, TreeMap<Long, Long>> copy(Map<Long, TreeMap<Long, Long>> m) {
      Map<Long, TreeMap<Long, Long>> c = new TreeMap<>();
      m.forEach((k, v) -> c.put(k, new TreeMap<>(v)));
      return c;
    }

    @Override
    public void close() throws IOException {
      md.close();
    }
  }
}

package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.KIB;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import net.jqwik.api.statistics.Statistics;
import org.thinpool.testing.Testdata;

/**
 * Item 9f: random programs of writes (any offset and length), discards, write-zeroes, snapshots (of
 * snapshots too), deletes, resizes, flushes, crashes and clean reopens on several thin devices,
 * against {@link PoolModel}.
 *
 * <p>After every step the blocks it touched read as the model says on every device, and every
 * device maps as many blocks as the model; after every commit the pool uses as many data blocks as
 * the model. A crash copies the pool's files as they are (what a killed process leaves, page cache
 * included) and opens the copy, which must hold the last flush (see {@link PoolModel} for the
 * in-place writes it may also show), pass the real thin_check and PoolCheck, and carry on.
 *
 * <p>jqwik prints the seed of a failing run; replay it with {@code @Property(seed = "...")}. The
 * long profile ({@code -Plong}) runs longer programs, many more times.
 */
class PoolModelPropertyTest {
  private static final int BLOCK = (int) (64 * KIB);
  private static final long DATA_BYTES = 32 * MIB;
  private static final long DATA_BLOCKS = DATA_BYTES / BLOCK;
  private static final long METADATA_BYTES = 4 * MIB;
  private static final int MAX_DEVICES = 6;

  /** Devices are 7 to 40 blocks: a few MiB, so six of them fit twice in the data device. */
  private static final int MAX_DEVICE_BLOCKS = 40;

  /**
   * One step, interpreted against the state it meets: {@code kind} picks the operation, {@code
   * seed} the device and the data, {@code shape} how a range is cut from {@code a} and {@code b}.
   */
  record Op(int kind, int shape, int a, int b, long seed) {}

  @Property(tries = 20, edgeCases = EdgeCasesMode.NONE)
  void devicesReadAsTheModelThroughFlushesAndCrashes(
      @ForAll("programs") List<Op> program, @ForAll DiscardMode mode) throws IOException {
    try (Run run = new Run(mode)) {
      run.execute(program);
    }
  }

  @Property(tries = 200, edgeCases = EdgeCasesMode.NONE)
  @AddLifecycleHook(LongRunOnly.class)
  void longProgramsUnderTheLongProfile(
      @ForAll("longPrograms") List<Op> program, @ForAll DiscardMode mode) throws IOException {
    try (Run run = new Run(mode)) {
      run.execute(program);
    }
  }

  @Provide
  Arbitrary<List<Op>> programs() {
    return ops().list().ofMaxSize(80).withSizeDistribution(RandomDistribution.uniform());
  }

  @Provide
  Arbitrary<List<Op>> longPrograms() {
    return ops().list().ofMaxSize(400).withSizeDistribution(RandomDistribution.uniform());
  }

  private static Arbitrary<Op> ops() {
    Arbitrary<Integer> shape =
        Arbitraries.frequency(
            Tuple.of(6, 0),
            Tuple.of(3, 1),
            Tuple.of(3, 2),
            Tuple.of(3, 3),
            Tuple.of(3, 4),
            Tuple.of(1, 5),
            Tuple.of(1, 6));
    // Uniform, not jqwik's default bias towards 0, so that every kind of step is as common as
    // its share of 0..99 says and ranges fall all over the devices.
    return Combinators.combine(
            Arbitraries.integers().between(0, 99).withDistribution(RandomDistribution.uniform()),
            shape,
            Arbitraries.integers().greaterOrEqual(0).withDistribution(RandomDistribution.uniform()),
            Arbitraries.integers().greaterOrEqual(0).withDistribution(RandomDistribution.uniform()),
            Arbitraries.longs().withDistribution(RandomDistribution.uniform()))
        .as(Op::new);
  }

  /** Runs the long property only under {@code -Plong}. */
  static final class LongRunOnly implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
      return Testdata.longRun()
          ? SkipResult.doNotSkip()
          : SkipResult.skip("runs only under the long profile (-Plong)");
    }
  }

  /** One program on one pool (and the copies its crashes leave), in a temporary directory. */
  private static final class Run implements AutoCloseable {
    private final Path root;
    private final PoolModel model = new PoolModel(BLOCK);
    private final List<String> log = new ArrayList<>();
    private Path dir;
    private ThinPool pool;
    private int copies;
    private int crashes;
    private int crashesShowingUnflushed;
    private boolean snapshotOfSnapshot;
    private final Set<Long> snapshots = new HashSet<>();
    private long nextId = 1;

    Run(DiscardMode mode) throws IOException {
      root = Files.createTempDirectory("pool-model");
      dir = root.resolve("pool-0");
      pool =
          ThinPool.create(
              dir,
              PoolOptions.ofDataSize(DATA_BYTES)
                  .withMetadataSize(METADATA_BYTES)
                  .withDiscardMode(mode));
      log.add("create pool, discard " + mode.lvmName());
    }

    void execute(List<Op> program) throws IOException {
      for (int i = 0; i < program.size(); i++) {
        try {
          int logged = log.size();
          step(program.get(i));
          for (String done : log.subList(logged, log.size())) {
            Statistics.label("steps").collect(done.split(" ")[0]);
          }
        } catch (IOException | RuntimeException | AssertionError e) {
          throw new AssertionError(
              "step "
                  + i
                  + " of "
                  + program.size()
                  + " failed: "
                  + e.getMessage()
                  + "\nsteps so far:\n  "
                  + String.join("\n  ", tail()),
              e);
        }
      }
      reopen();
      Statistics.label("crashes").collect(crashes == 0 ? "0" : crashes < 3 ? "1-2" : "3+");
      Statistics.label("crashes that showed unflushed in-place writes")
          .collect(crashesShowingUnflushed > 0 ? "some" : "none");
      Statistics.label("snapshot of a snapshot").collect(snapshotOfSnapshot);
    }

    private List<String> tail() {
      return log.subList(Math.max(0, log.size() - 40), log.size());
    }

    private void step(Op op) throws IOException {
      List<Long> ids = new ArrayList<>(model.ids());
      int kind = ids.isEmpty() ? 70 : op.kind();
      if (model.dataBlocksHeldBound() + 2 * (MAX_DEVICE_BLOCKS + 1) > DATA_BLOCKS) {
        // Never let the pool commit on its own to find space: the model would not know.
        log.add("flush (the pool is filling up)");
        flush(-1);
      }
      long id = ids.isEmpty() ? -1 : ids.get((int) Math.floorMod(op.seed(), (long) ids.size()));
      if (kind < 35) {
        write(op, id);
      } else if (kind < 45) {
        discard(op, id);
      } else if (kind < 52) {
        writeZeroes(op, id);
      } else if (kind < 59) {
        boolean throughPool = (op.seed() & 1) == 0;
        log.add(throughPool ? "flush (pool commit)" : "flush " + id);
        flush(throughPool ? -1 : id);
      } else if (kind < 80) {
        deviceChange(kind, op, id, ids.size());
      } else if (kind < 88) {
        crash();
      } else if (kind < 91) {
        log.add("flush-then-crash");
        flush(id);
        crash();
      } else if (kind < 94) {
        reopen();
      } else {
        long size = model.device(id).sizeBytes;
        long[] r = range(op, size);
        log.add("read " + id + " " + describe(r));
        checkRange(id, r[0], r[1]);
      }
    }

    private void write(Op op, long id) throws IOException {
      long[] r = range(op, model.device(id).sizeBytes);
      byte[] data = bytes(op.seed(), (int) r[1]);
      boolean fua = (op.seed() & 15) == 0;
      log.add("write " + id + " " + describe(r) + (fua ? " fua" : ""));
      pool.device(id).write(r[0], ByteBuffer.wrap(data), fua);
      model.write(id, r[0], data);
      if (fua) {
        model.flush();
      }
      checkAround(r);
    }

    private void discard(Op op, long id) throws IOException {
      long[] r = range(op, model.device(id).sizeBytes);
      log.add("discard " + id + " " + describe(r));
      pool.device(id).discard(r[0], r[1]);
      if (pool.status().discardMode() != DiscardMode.IGNORE) {
        model.discard(id, r[0], r[1]);
      }
      checkAround(r);
    }

    private void writeZeroes(Op op, long id) throws IOException {
      long[] r = range(op, model.device(id).sizeBytes);
      log.add("write-zeroes " + id + " " + describe(r));
      pool.device(id).writeZeroes(r[0], r[1]);
      model.writeZeroes(id, r[0], r[1]);
      checkAround(r);
    }

    /**
     * Flushes through a device (which commits the whole pool, as dm-thin does) or, for a negative
     * id, through the pool.
     */
    private void flush(long id) throws IOException {
      if (id >= 0) {
        pool.device(id).flush();
      } else {
        pool.commit();
      }
      model.flush();
      checkDataBlocksUsed();
    }

    /** Create, snapshot, delete or resize: each a transaction of its own. */
    private void deviceChange(int kind, Op op, long id, int deviceCount) throws IOException {
      boolean full = deviceCount >= MAX_DEVICES;
      if (full && kind < 73) {
        kind = 79; // delete instead
      }
      if (kind < 69) {
        long snap = nextId++;
        log.add("snapshot " + snap + " of " + id);
        pool.createSnapshot(snap, id);
        snapshotOfSnapshot |= snapshots.contains(id);
        snapshots.add(snap);
        model.snapshot(snap, id);
        checkDevice(snap);
      } else if (kind < 73) {
        long thin = nextId++;
        long size = deviceSize(op);
        log.add("create " + thin + " of " + size + " bytes");
        pool.createThin(thin, size);
        model.create(thin, size);
      } else if (kind < 76) {
        long size = deviceSize(op);
        log.add("resize " + id + " from " + model.device(id).sizeBytes + " to " + size);
        pool.resize(id, size);
        model.resize(id, size);
        checkDevice(id);
      } else {
        log.add("delete " + id);
        pool.delete(id);
        model.delete(id);
        assertThat(pool.deviceIds()).containsExactlyElementsOf(model.ids());
      }
      checkMappedBlocks();
      checkDataBlocksUsed();
    }

    /**
     * Copies the pool's files as they are now, drops the pool, and carries on with the copy, which
     * must hold the last flush.
     */
    private void crash() throws IOException {
      Path copy = root.resolve("pool-" + ++copies);
      CrashCopies.copyPoolFiles(dir, copy);
      log.add("crash (copied to " + copy.getFileName() + ")");
      pool.close();
      CrashCopies.deleteTree(dir);
      dir = copy;
      pool = null;
      assertMetadataClean(dir);
      pool = ThinPool.open(dir);
      crashes++;
      model.crashed(checkReopened());
    }

    /** Closes the pool (which commits), checks its files and opens it again. */
    private void reopen() throws IOException {
      log.add("reopen (close, check, open)");
      pool.close();
      pool = null;
      model.flush();
      assertMetadataClean(dir);
      pool = ThinPool.open(dir);
      model.crashed(checkReopened());
    }

    // ---- checks ----

    /**
     * The reopened pool has the flushed devices, sizes, mapped blocks and data blocks used, and
     * each block as flushed or as one of the in-place writes since. Returns what it shows.
     */
    private Map<Long, Map<Long, byte[]>> checkReopened() throws IOException {
      assertThat(pool.deviceIds())
          .as("devices after reopening")
          .containsExactlyElementsOf(model.durableIds());
      assertThat(pool.status().mode()).isEqualTo(PoolMode.READ_WRITE);
      Map<Long, Map<Long, byte[]>> shown = new HashMap<>();
      boolean unflushedShown = false;
      for (long id : model.durableIds()) {
        PoolModel.Device flushed = model.durableDevice(id);
        ThinDevice dev = pool.device(id);
        assertThat(dev.sizeBytes()).as("size of %d", id).isEqualTo(flushed.sizeBytes);
        assertThat(dev.status().mappedBlocks())
            .as("mapped blocks of %d", id)
            .isEqualTo(flushed.tokens.size());
        Map<Long, byte[]> blocks = new HashMap<>();
        for (long b = 0; b * BLOCK < flushed.sizeBytes; b++) {
          int n = (int) Math.min(BLOCK, flushed.sizeBytes - b * BLOCK);
          byte[] got = Arrays.copyOf(read(dev, b * BLOCK, n), BLOCK);
          List<byte[]> allowed = model.crashContents(id, b);
          if (!Arrays.equals(allowed.get(0), got)) {
            unflushedShown = true;
          }
          if (allowed.stream().noneMatch(c -> Arrays.equals(c, got))) {
            throw new AssertionError(
                "device "
                    + id
                    + " block "
                    + b
                    + " after reopening is "
                    + "neither as flushed nor as any in-place write since: "
                    + firstDifference(allowed.get(0), got, b * BLOCK));
          }
          blocks.put(b, got);
        }
        shown.put(id, blocks);
      }
      assertThat(pool.status().dataBlocksUsed())
          .as("data blocks used after reopening")
          .isEqualTo(model.durableDataBlocksUsed());
      crashesShowingUnflushed += unflushedShown ? 1 : 0;
      return shown;
    }

    /** Reads the blocks a step touched, on every device (a shared block must not leak). */
    private void checkAround(long[] r) throws IOException {
      long from = r[0] / BLOCK * BLOCK;
      long to = PoolModel.ceilDiv(r[0] + Math.max(1, r[1]), BLOCK) * BLOCK;
      for (long id : model.ids()) {
        long size = model.device(id).sizeBytes;
        if (from < size) {
          checkRange(id, from, Math.min(to, size) - from);
        }
      }
      checkMappedBlocks();
    }

    private void checkRange(long id, long offset, long length) throws IOException {
      byte[] got = read(pool.device(id), offset, (int) length);
      byte[] want = model.expected(id, offset, (int) length);
      if (!Arrays.equals(want, got)) {
        throw new AssertionError("device " + id + ": " + firstDifference(want, got, offset));
      }
    }

    private void checkDevice(long id) throws IOException {
      assertThat(pool.device(id).sizeBytes()).isEqualTo(model.device(id).sizeBytes);
      checkRange(id, 0, model.device(id).sizeBytes);
    }

    private void checkMappedBlocks() throws IOException {
      for (long id : model.ids()) {
        assertThat(pool.device(id).status().mappedBlocks())
            .as("mapped blocks of %d", id)
            .isEqualTo(model.device(id).tokens.size());
      }
    }

    private void checkDataBlocksUsed() throws IOException {
      assertThat(pool.status().dataBlocksUsed())
          .as("data blocks used after a commit")
          .isEqualTo(model.dataBlocksUsed());
    }

    @Override
    public void close() throws IOException {
      try {
        if (pool != null) {
          pool.close();
        }
      } finally {
        CrashCopies.deleteTree(root);
      }
    }
  }

  // ---- ranges, sizes ----

  /** A range {offset, length} inside a device of {@code size} bytes, cut as the op's shape says. */
  static long[] range(Op op, long size) {
    long a = op.a();
    long b = op.b();
    long blocks = PoolModel.ceilDiv(size, BLOCK);
    long off;
    long len;
    switch (op.shape()) {
      case 0 -> { // anywhere, up to three blocks
        off = a % size;
        len = 1 + b % (3L * BLOCK);
      }
      case 1 -> { // a few bytes across a block boundary
        off = (a % blocks) * BLOCK - b % 33;
        len = 1 + (b / 33) % 64;
      }
      case 2 -> { // 4 KiB pages
        off = (a % PoolModel.ceilDiv(size, 4096)) * 4096;
        len = (1 + b % 32) * 4096L;
      }
      case 3 -> { // whole blocks
        off = (a % blocks) * BLOCK;
        len = (1 + b % 4) * (long) BLOCK;
      }
      case 4 -> { // about one block, a little off the boundaries
        off = (a % blocks) * BLOCK + b % 1025 - 512;
        len = BLOCK + (b / 1025) % 1025 - 512;
      }
      case 5 -> { // the whole device
        off = 0;
        len = size;
      }
      default -> { // nothing
        off = a % size;
        len = 0;
      }
    }
    off = Math.clamp(off, 0, size);
    return new long[] {off, Math.clamp(len, 0, size - off)};
  }

  /** 7 to 40 blocks; one time in three not a whole number of blocks (but of sectors). */
  static long deviceSize(Op op) {
    long size = (8 + op.a() % (MAX_DEVICE_BLOCKS - 7)) * (long) BLOCK;
    return op.b() % 3 == 0 ? size - 512L * (1 + (op.b() / 3) % 127) : size;
  }

  private static String describe(long[] r) {
    return "[" + r[0] + ", +" + r[1] + ")";
  }

  private static String firstDifference(byte[] want, byte[] got, long baseOffset) {
    int i = Arrays.mismatch(want, got);
    if (i < 0) {
      return "no difference";
    }
    if (i >= want.length || i >= got.length) {
      return "lengths differ: " + want.length + " vs " + got.length;
    }
    int count = 0;
    for (int j = i; j < want.length; j++) {
      count += want[j] != got[j] ? 1 : 0;
    }
    return "first difference at byte "
        + (baseOffset + i)
        + " (block "
        + (baseOffset + i) / BLOCK
        + "): expected "
        + want[i]
        + ", read "
        + got[i]
        + "; "
        + count
        + " bytes differ";
  }
}

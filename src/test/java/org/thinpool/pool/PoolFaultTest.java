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
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.PoolModelPropertyTest.Op;
import org.thinpool.testing.CrashDevice;
import org.thinpool.testing.CrashDevice.Fault;
import org.thinpool.testing.CrashDevice.FaultPlan;
import org.thinpool.testing.Testdata;

/**
 * Fault injection under the whole pool (issue 8, item 14). A {@link CrashDevice} wraps both the
 * metadata file and the data file, sharing one {@link FaultPlan}; a seeded random program of pool
 * operations (write, write-zeroes, discard, flush, create, snapshot, delete, resize, grow, metadata
 * snapshot) runs once to count the devices' writes, syncs and discards, then again for each fault
 * point with one fault injected at a chosen operation: a power cut, a write torn at a sector
 * boundary and then a power cut, or a one-off EIO or ENOSPC. The pool's own failure paths
 * (failMetadata, a dropped device change, a returned block) run on the error, and then power goes
 * anyway: each unsynced write is applied, lost or torn.
 *
 * <p>After every fault: both checkers are clean on the files, the pool reopens read-write at its
 * last commit (or at the commit in flight when the fault hit one), every device holds the model's
 * bytes (a block written in place since the last commit may show, sector by sector, any content it
 * had since), and the pool uses exactly the data blocks the model says: none leaked.
 *
 * <p>{@value #POINTS} fault points, {@value #LONG_POINTS} under {@code -Plong}. A failure prints
 * its replay: {@code -Dthinpool.fault.seed=S -Dthinpool.fault.program=P -Dthinpool.fault.point=N}
 * (see docs/testing.md).
 */
class PoolFaultTest {
  static final int POINTS = 500;
  static final int LONG_POINTS = 10_000;
  private static final int BLOCK = (int) (64 * KIB);
  private static final long DATA_BYTES = 16 * MIB;
  private static final long METADATA_BYTES = 4 * MIB;
  private static final int MAX_DEVICES = 4;
  private static final int MAX_DEVICE_BLOCKS = 40;
  private static final int STEPS = 16;

  /** Fault points per program: the program is counted once for all of them. */
  private static final int POINTS_PER_PROGRAM = 10;

  private static final int SECTOR = 512;
  private static final List<DiscardMode> MODES =
      List.of(DiscardMode.PASSDOWN, DiscardMode.NOPASSDOWN, DiscardMode.IGNORE);
  private static final List<Fault> FAULTS =
      List.of(Fault.POWER_CUT, Fault.TORN_WRITE, Fault.EIO, Fault.ENOSPC);

  @TempDir Path tempDir;

  /** Where the pools go: memory if possible (durability is simulated, fsyncs are waste). */
  private Path tmp;

  @BeforeEach
  void pickDirectory() throws IOException {
    Path shm = Path.of("/dev/shm");
    tmp =
        Files.isDirectory(shm) && Files.isWritable(shm)
            ? Files.createTempDirectory(shm, "pool-fault")
            : tempDir;
  }

  @AfterEach
  void removeDirectory() throws IOException {
    CrashCopies.deleteTree(tmp);
  }

  private final Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
  private int failedPools;
  private int droppedChanges;
  private int inFlightCommits;

  @Test
  void everyFaultLeavesThePoolAtItsLastCommitCleanAndWhole() throws IOException {
    long seed = Long.getLong("thinpool.fault.seed", 20261203L);
    int points =
        Integer.getInteger("thinpool.fault.points", Testdata.longRun() ? LONG_POINTS : POINTS);
    Long onlyProgram = Long.getLong("thinpool.fault.program");
    Integer onlyPoint = Integer.getInteger("thinpool.fault.point");
    int programs = points / POINTS_PER_PROGRAM;
    long t0 = System.nanoTime();
    for (int p = 0; p < programs; p++) {
      if (onlyProgram != null && onlyProgram != p) {
        continue;
      }
      List<Op> program = program(new Random(seed * 31 + p));
      DiscardMode mode = MODES.get(p % MODES.size());
      long ops = countOps(program, mode, p);
      for (int i = 0; i < POINTS_PER_PROGRAM; i++) {
        if (onlyPoint != null && onlyPoint != i) {
          continue;
        }
        String replay =
            "replay: mvn test -Dtest=PoolFaultTest -Dthinpool.fault.seed="
                + seed
                + " -Dthinpool.fault.program="
                + p
                + " -Dthinpool.fault.point="
                + i;
        Random r = new Random((seed * 31 + p) * 131 + i);
        long faultAt = 1 + (long) (r.nextDouble() * ops);
        Fault fault = FAULTS.get(r.nextInt(FAULTS.size()));
        try {
          faultRun(program, mode, p * 100 + i, faultAt, fault, r.nextLong());
        } catch (IOException | RuntimeException | AssertionError e) {
          throw new AssertionError(
              fault
                  + " at operation "
                  + faultAt
                  + " of "
                  + ops
                  + " failed: "
                  + e.getMessage()
                  + "\n"
                  + replay,
              e);
        }
      }
    }
    System.out.println(
        "PoolFaultTest: "
            + (System.nanoTime() - t0) / 1_000_000
            + " ms, "
            + faults
            + ", pools failed by a metadata error: "
            + failedPools
            + ", device changes dropped: "
            + droppedChanges
            + ", faults in a commit that completed: "
            + inFlightCommits);
    if (onlyProgram == null && onlyPoint == null) {
      assertThat(faults.keySet()).as("every kind of fault").containsExactly(Fault.values());
      assertThat(failedPools).as("failMetadata ran").isPositive();
      assertThat(droppedChanges).as("a device change was aborted").isPositive();
    }
  }

  /**
   * The canary: with the data device's syncs ignored (a broken commit order: mappings committed
   * before their data is durable), the harness must notice lost data.
   */
  @Test
  void canaryCatchesCommittedMappingsWhoseDataIsNotDurable() throws IOException {
    Random r = new Random(7);
    int caught = 0;
    for (int p = 0; p < 40 && caught == 0; p++) {
      List<Op> program = program(new Random(r.nextLong()));
      long ops = countOps(program, DiscardMode.PASSDOWN, p);
      try {
        brokenSync = true;
        faultRun(
            program,
            DiscardMode.PASSDOWN,
            p,
            1 + (long) (r.nextDouble() * ops),
            Fault.POWER_CUT,
            r.nextLong());
      } catch (IOException | RuntimeException | AssertionError e) {
        caught++;
      } finally {
        brokenSync = false;
      }
    }
    assertThat(caught).as("the harness must notice data synced after its commit").isPositive();
  }

  private boolean brokenSync;

  // ---- programs ----

  private static List<Op> program(Random r) {
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i < STEPS; i++) {
      int shape = r.nextInt(100) < 40 ? 0 : r.nextInt(7);
      ops.add(
          new Op(
              r.nextInt(100),
              shape,
              r.nextInt(Integer.MAX_VALUE),
              r.nextInt(Integer.MAX_VALUE),
              r.nextLong()));
    }
    return ops;
  }

  /** Runs the program without a fault; returns the operations it makes the devices do. */
  private long countOps(List<Op> program, DiscardMode mode, int n) throws IOException {
    FaultPlan plan = FaultPlan.counting();
    Run run = new Run(tmp.resolve("count-" + n), mode, plan, true);
    try {
      for (Op op : program) {
        run.step(op);
      }
      run.pool.commit();
      return plan.ops();
    } finally {
      run.pool.close();
      CrashCopies.deleteTree(run.dir);
    }
  }

  private void faultRun(
      List<Op> program, DiscardMode mode, int n, long faultAt, Fault fault, long fateSeed)
      throws IOException {
    FaultPlan plan = new FaultPlan(faultAt, fault, fateSeed);
    Run run = new Run(tmp.resolve("fault-" + n), mode, plan, !brokenSync);
    try {
      for (int i = 0; i <= program.size() && !plan.fired(); i++) {
        run.before = run.model.copy();
        run.mids.clear();
        try {
          if (i < program.size()) {
            run.step(program.get(i));
          } else {
            run.flush();
          }
        } catch (IOException | RuntimeException e) {
          if (!plan.fired()) {
            throw new AssertionError("operation failed without a fault: " + e, e);
          }
          noteFailurePaths(run, fault, e);
        }
      }
      faults.merge(fault, 1, Integer::sum);
      plan.powerCut(new Random(fateSeed));
    } finally {
      try {
        run.pool.close();
      } catch (IOException | RuntimeException e) {
        // power is gone: the close cannot commit; the lock and files are released regardless
      }
    }
    try {
      verify(run);
    } finally {
      CrashCopies.deleteTree(run.dir);
    }
  }

  private void noteFailurePaths(Run run, Fault fault, Exception e) throws IOException {
    if (fault != Fault.EIO && fault != Fault.ENOSPC) {
      return;
    }
    PoolStatus s = run.pool.status();
    if (s.readOnlyReason() != null && s.readOnlyReason().contains("metadata update failed")) {
      failedPools++;
    } else if (e instanceof org.thinpool.io.OutOfSpaceException
        && run.changing
        && s.mode() != PoolMode.READ_ONLY) {
      droppedChanges++;
    }
  }

  // ---- checks ----

  /** Reopens the files the power cut left and compares them with the model. */
  private void verify(Run run) throws IOException {
    assertMetadataClean(run.dir);
    List<PoolModel> candidates = new ArrayList<>();
    candidates.add(run.model); // the operation in flight completed (and committed, if it does)
    candidates.addAll(run.mids); // it got part of the way (see Run.mids)
    candidates.add(run.before); // it did not commit
    try (ThinPool pool = ThinPool.open(run.dir)) {
      assertThat(pool.status().mode()).as("mode after reopening").isEqualTo(PoolMode.READ_WRITE);
      List<String> mismatches = new ArrayList<>();
      for (int c = 0; c < candidates.size(); c++) {
        String why = matches(pool, candidates.get(c));
        if (why == null) {
          inFlightCommits += c == 0 && run.commits ? 1 : 0;
          return;
        }
        mismatches.add(why);
      }
      throw new AssertionError(
          "the reopened pool matches no state the fault may leave:\n  "
              + String.join("\n  ", mismatches)
              + "\nsteps:\n  "
              + String.join("\n  ", run.log));
    }
  }

  /** Null if the pool holds the candidate's last commit; else what differs. */
  private static String matches(ThinPool pool, PoolModel m) throws IOException {
    if (!pool.deviceIds().equals(new ArrayList<>(m.durableIds()))) {
      return "devices " + pool.deviceIds() + ", expected " + m.durableIds();
    }
    for (long id : m.durableIds()) {
      PoolModel.Device flushed = m.durableDevice(id);
      ThinDevice dev = pool.device(id);
      if (dev.sizeBytes() != flushed.sizeBytes) {
        return "device " + id + " is " + dev.sizeBytes() + " bytes, expected " + flushed.sizeBytes;
      }
      if (dev.status().mappedBlocks() != flushed.tokens.size()) {
        return "device "
            + id
            + " maps "
            + dev.status().mappedBlocks()
            + " blocks, expected "
            + flushed.tokens.size();
      }
      for (long b = 0; b * BLOCK < flushed.sizeBytes; b++) {
        int n = (int) Math.min(BLOCK, flushed.sizeBytes - b * BLOCK);
        byte[] got = Arrays.copyOf(read(dev, b * BLOCK, n), BLOCK);
        String why = sectorsAllowed(m.crashContents(id, b), got, n);
        if (why != null) {
          return "device " + id + " block " + b + ": " + why;
        }
      }
    }
    if (pool.status().dataBlocksUsed() != m.durableDataBlocksUsed()) {
      return "data blocks used "
          + pool.status().dataBlocksUsed()
          + ", expected "
          + m.durableDataBlocksUsed()
          + " (leaked or lost)";
    }
    return null;
  }

  /** Every sector equals that sector of one allowed content (writes are atomic per sector). */
  private static String sectorsAllowed(List<byte[]> allowed, byte[] got, int n) {
    for (int s = 0; s < n; s += SECTOR) {
      int end = Math.min(n, s + SECTOR);
      boolean ok = false;
      for (byte[] c : allowed) {
        ok |= Arrays.equals(c, s, end, got, s, end);
      }
      if (!ok) {
        return "sector at byte " + s + " is neither as committed nor as written since";
      }
    }
    return null;
  }

  // ---- one program on one pool ----

  /** A pool whose two files sit under a fault plan, with its model. */
  private static final class Run {
    final Path dir;
    final ThinPool pool;
    PoolModel model = new PoolModel(BLOCK);

    /** The model before the current operation. */
    PoolModel before;

    /**
     * States the current operation passes through on its way: after its I/O but before its commit,
     * or after the commit of what came before that a device change makes first.
     */
    final List<PoolModel> mids = new ArrayList<>();

    /** The current operation is a device change, or commits. */
    boolean changing;

    boolean commits;
    final List<String> log = new ArrayList<>();
    private long nextId = 1;
    private long dataBytes = DATA_BYTES;
    private boolean snapHeld;

    Run(Path dir, DiscardMode mode, FaultPlan plan, boolean honourDataSync) throws IOException {
      this.dir = dir;
      PoolHooks hooks =
          PoolHooks.NONE.withDevices(
              (path, dev) -> new CrashDevice(dev, path.toString(), plan, true),
              (path, dev) -> new CrashDevice(dev, path.toString(), plan, honourDataSync));
      pool =
          ThinPool.create(
              dir,
              PoolOptions.ofDataSize(DATA_BYTES)
                  .withMetadataSize(METADATA_BYTES)
                  .withDiscardMode(mode),
              hooks);
      plan.arm();
      log.add("create pool, discard " + mode.lvmName());
    }

    void step(Op op) throws IOException {
      changing = false;
      commits = false;
      List<Long> ids = new ArrayList<>(model.ids());
      int kind = ids.isEmpty() ? 70 : op.kind();
      if (model.dataBlocksHeldBound() + 2 * (MAX_DEVICE_BLOCKS + 1) > dataBytes / BLOCK) {
        log.add("flush (the pool is filling up)");
        flush(); // never let the pool commit on its own to find space: the model would not know
        before = model.copy();
      }
      long id = ids.isEmpty() ? -1 : ids.get((int) Math.floorMod(op.seed(), (long) ids.size()));
      if (kind < 35) {
        write(op, id);
      } else if (kind < 45) {
        long[] r = PoolModelPropertyTest.range(op, model.device(id).sizeBytes);
        log.add("discard " + id + " " + Arrays.toString(r));
        if (pool.status().discardMode() != DiscardMode.IGNORE) {
          model.discard(id, r[0], r[1]);
        }
        pool.device(id).discard(r[0], r[1]);
      } else if (kind < 52) {
        long[] r = PoolModelPropertyTest.range(op, model.device(id).sizeBytes);
        log.add("write-zeroes " + id + " " + Arrays.toString(r));
        model.writeZeroes(id, r[0], r[1]);
        pool.device(id).writeZeroes(r[0], r[1]);
      } else if (kind < 59) {
        log.add("flush");
        flush();
      } else if (kind < 80) {
        deviceChange(kind, op, id, ids.size());
      } else if (kind < 90) {
        grow(op);
      } else {
        metadataSnapshot();
      }
    }

    private void write(Op op, long id) throws IOException {
      long[] r = PoolModelPropertyTest.range(op, model.device(id).sizeBytes);
      byte[] data = bytes(op.seed(), (int) r[1]);
      boolean fua = (op.seed() & 7) == 0;
      log.add("write " + id + " " + Arrays.toString(r) + (fua ? " fua" : ""));
      model.write(id, r[0], data);
      if (fua) {
        mids.add(model.copy());
        commits = true;
        model.flush();
      }
      pool.device(id).write(r[0], ByteBuffer.wrap(data), fua);
    }

    void flush() throws IOException {
      commits = true;
      model.flush();
      pool.commit();
    }

    /** The pool commits what came before first: a state of its own if the change is lost. */
    private void committedBefore() {
      PoolModel m = model.copy();
      m.flush();
      mids.add(m);
    }

    private void grow(Op op) throws IOException {
      long next = Math.min(2 * DATA_BYTES, dataBytes + (1 + op.a() % 8) * (long) BLOCK);
      log.add("grow data to " + next);
      commits = true;
      model.flush();
      pool.growData(next);
      dataBytes = next;
    }

    private void metadataSnapshot() throws IOException {
      log.add(snapHeld ? "release metadata snapshot" : "reserve metadata snapshot");
      commits = true;
      committedBefore();
      if (snapHeld) {
        model.releaseMetadataSnap();
      } else {
        model.reserveMetadataSnap();
      }
      pool.metadataSnapshot(!snapHeld);
      snapHeld = !snapHeld;
    }

    private void deviceChange(int kind, Op op, long id, int deviceCount) throws IOException {
      changing = true;
      commits = true;
      if (deviceCount >= MAX_DEVICES && kind < 73) {
        kind = 79;
      }
      committedBefore();
      if (kind < 69) {
        long snap = nextId++;
        log.add("snapshot " + snap + " of " + id);
        model.snapshot(snap, id);
        pool.createSnapshot(snap, id);
      } else if (kind < 73) {
        long thin = nextId++;
        long size = PoolModelPropertyTest.deviceSize(op);
        log.add("create " + thin + " of " + size + " bytes");
        model.create(thin, size);
        pool.createThin(thin, size);
      } else if (kind < 76) {
        long size = PoolModelPropertyTest.deviceSize(op);
        long old = model.device(id).sizeBytes;
        log.add("resize " + id + " from " + old + " to " + size);
        long firstGone = PoolModel.ceilDiv(size, BLOCK);
        if (size < old && size % BLOCK != 0) {
          model.writeZeroes(id, size, Math.min(old, firstGone * BLOCK) - size);
          mids.add(model.copy()); // the zeroed tail is written before anything commits
          committedBefore();
        }
        model.resize(id, size);
        pool.resize(id, size);
      } else {
        log.add("delete " + id);
        model.delete(id);
        pool.delete(id);
      }
    }
  }
}

package org.thinpool.snapshotter;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.thinpool.pool.ThinPool;

/**
 * containerd's snapshotter on a thin pool: every snapshot is a thin device; Prepare and View take
 * an O(1) thin snapshot of the parent's device (of the base device without a parent), Commit
 * renames the record and copies nothing, Remove deletes the device.
 *
 * <p>Crash consistency with the pool's transactions (the pool is the truth for devices; the records
 * file, {@link RecordLog}, for names): a new snapshot's device is created and committed in the pool
 * while its record is written, both durable before Prepare returns; a removal writes the record's
 * removal <em>before</em> deleting the device; commit and update rewrite records only. So a crash
 * at any point leaves at worst a device without a record, which {@link #open} (and {@link
 * #cleanup}) deletes, or the record of a Prepare that never returned without its device, which
 * {@link #open} drops: never a record of an acknowledged snapshot without its device.
 *
 * <p>Every operation is one critical section on this object, like containerd's one transaction per
 * call, except exposing and releasing device files, which can be slow. Thread-safe.
 */
public final class Snapshotter implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Snapshotter.class.getName());

  /** containerd puts no bound on keys; ours keeps a record entry small (see RecordCodec). */
  public static final int MAX_KEY_BYTES = 4096;

  /** containerd's own limit on one label: key and value together (labels.Validate). */
  public static final int MAX_LABEL_BYTES = 4096;

  /** containerd sets a handful per snapshot; 256 bounds a record at about 1 MiB. */
  public static final int MAX_LABELS = 256;

  /** The records file, under the state folder. */
  static final String RECORDS_FILE = "records";

  /** The base device's size and file system, used when the base device is first made. */
  public record Options(
      long baseSizeBytes, FsType fs, int minFreeSpacePercent, long deferredRetryMillis) {
    /** Docker's dm.min_free_space default. */
    public static final int DEFAULT_MIN_FREE_SPACE_PERCENT = 10;

    /** How often deferred removals are retried: a second, as containers stop at human pace. */
    public static final long DEFAULT_DEFERRED_RETRY_MILLIS = 1000;

    public Options {
      if (baseSizeBytes <= 0 || baseSizeBytes % 4096 != 0) {
        throw new IllegalArgumentException("base size must be a positive multiple of 4096");
      }
      new SpaceGuard(minFreeSpacePercent); // checks the range
      if (deferredRetryMillis <= 0) {
        throw new IllegalArgumentException("deferred removal retry period must be positive");
      }
    }

    public Options(long baseSizeBytes, FsType fs) {
      this(baseSizeBytes, fs, DEFAULT_MIN_FREE_SPACE_PERCENT, DEFAULT_DEFERRED_RETRY_MILLIS);
    }
  }

  private final ThinPool pool;
  private final DeviceFiles files;
  private final InstantSource clock;
  private final RecordLog log;
  private final BaseDevice base;
  private final TreeMap<String, SnapshotRecord> records;

  /** Devices whose record is gone and whose deletion is under way (outside the lock). */
  private final Set<Long> removing = new HashSet<>();

  private long nextDeviceId;
  private boolean closed;

  /** Docker's dm.min_free_space for Prepare and View (issue 10 item 6). */
  private SpaceGuard guard = new SpaceGuard(0);

  /** Removals of devices in use, completed once released (issue 10 item 6). */
  private final DeferredRemovals deferred;

  private ScheduledExecutorService retrier;

  /** Appends Prepare's record while the pool creates its device (one append at a time). */
  private final ExecutorService recordWriter =
      Executors.newSingleThreadExecutor(
          Thread.ofPlatform().name("thinpool-snapshot-records").daemon().factory());

  private Snapshotter(
      ThinPool pool,
      DeviceFiles files,
      InstantSource clock,
      RecordLog log,
      BaseDevice base,
      TreeMap<String, SnapshotRecord> records,
      long nextDeviceId) {
    this.pool = pool;
    this.files = files;
    this.clock = clock;
    this.log = log;
    this.base = base;
    this.records = records;
    this.nextDeviceId = nextDeviceId;
    this.deferred = new DeferredRemovals(pool, files);
  }

  /**
   * Opens the snapshotter of {@code pool}, its records in {@code stateDir}: replays them, deletes
   * devices that have no record (a crash between a device's creation and its record, or between a
   * record's removal and its device's deletion), drops records whose device is gone, and on first
   * start makes and formats the base device. The pool belongs to the snapshotter: every device in
   * it is either the base device or a snapshot's.
   */
  public static Snapshotter open(
      ThinPool pool, DeviceFiles files, Path stateDir, Options options, InstantSource clock)
      throws IOException {
    Files.createDirectories(stateDir);
    if (!Files.exists(stateDir.resolve(RECORDS_FILE)) && !pool.deviceIds().isEmpty()) {
      // Reconciling would take every device for an orphan: a pool of other uses is refused.
      throw SnapshotterException.failedPrecondition(
          "pool "
              + pool.directory()
              + " has thin devices but no snapshot records: the containerd snapshotter needs a"
              + " pool of its own");
    }
    TreeMap<String, SnapshotRecord> records = new TreeMap<>();
    RecordLog log = RecordLog.open(stateDir.resolve(RECORDS_FILE), records);
    try {
      Reconcile.run(pool, files, log, records);
      BaseDevice base = log.base().isPresent() ? log.base().get() : null;
      if (base == null) {
        base = BaseFormat.make(pool, files, Reconcile.nextFreeId(pool, records), options);
        log.appendBase(base);
      } else if (base.fs() != options.fs() || base.sizeBytes() != options.baseSizeBytes()) {
        LOG.log(
            System.Logger.Level.WARNING,
            "base device {0} was made as {1} of {2} bytes; keeping it (--fs and --base-size apply"
                + " to a new pool only)",
            base.deviceId(),
            base.fs().type(),
            base.sizeBytes());
      }
      Snapshotter s =
          new Snapshotter(
              pool, files, clock, log, base, records, Reconcile.nextFreeId(pool, records));
      s.startSpacePolicy(options);
      return s;
    } catch (IOException | RuntimeException e) {
      log.close();
      throw e;
    }
  }

  /** The minimum free space check and the timer that completes deferred removals. */
  private void startSpacePolicy(Options options) {
    guard = new SpaceGuard(options.minFreeSpacePercent());
    retrier =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("thinpool-deferred-removal").daemon().factory());
    var _ = // retryDeferred catches and logs its own failures
        retrier.scheduleWithFixedDelay(
            this::retryDeferred,
            options.deferredRetryMillis(),
            options.deferredRetryMillis(),
            TimeUnit.MILLISECONDS);
  }

  private void retryDeferred() {
    try {
      if (deferred.count() > 0) {
        deferred.retry();
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "deferred removal failed; retrying later", e);
    }
  }

  /** Removals waiting for their device to be released (Docker's deferred deleted device count). */
  public int deferredRemovalCount() {
    return deferred.count();
  }

  public int minFreeSpacePercent() {
    return guard.minFreePercent();
  }

  public long baseSizeBytes() {
    return base.sizeBytes();
  }

  /** containerd's Snapshots gRPC service over this snapshotter, for a gRPC server to host. */
  public io.grpc.BindableService grpcService() {
    return new GrpcSnapshots(this);
  }

  /** The base device's thin id. */
  public long baseDeviceId() {
    return base.deviceId();
  }

  public FsType fs() {
    return base.fs();
  }

  /** A new active snapshot {@code key} on {@code parent} ("" for none), and its mounts. */
  public List<SnapshotMount> prepare(String key, String parent, Map<String, String> labels)
      throws IOException {
    return create(key, parent, labels, SnapshotKind.ACTIVE);
  }

  /** A new read-only view {@code key} of {@code parent} ("" for the empty base), and its mounts. */
  public List<SnapshotMount> view(String key, String parent, Map<String, String> labels)
      throws IOException {
    return create(key, parent, labels, SnapshotKind.VIEW);
  }

  private List<SnapshotMount> create(
      String key, String parent, Map<String, String> labels, SnapshotKind kind) throws IOException {
    Limits.checkKey("key", key);
    Limits.checkLabels(labels);
    OptionalLong size =
        kind == SnapshotKind.ACTIVE ? SizeLabel.parse(labels) : OptionalLong.empty();
    SnapshotRecord r;
    synchronized (this) {
      checkOpen();
      if (records.containsKey(key)) {
        throw SnapshotterException.alreadyExists("snapshot " + key + " already exists");
      }
      long origin = base.deviceId();
      if (!parent.isEmpty()) {
        SnapshotRecord p = records.get(parent);
        if (p == null) {
          throw SnapshotterException.notFound("parent snapshot " + parent + " does not exist");
        }
        if (p.info().kind() != SnapshotKind.COMMITTED) {
          throw SnapshotterException.invalidArgument(
              "parent " + parent + " is not a committed snapshot");
        }
        origin = p.deviceId();
      }
      guard.check(pool.status(), key);
      Instant now = clock.instant();
      r = new SnapshotRecord(new SnapshotInfo(key, parent, kind, labels, now, now), nextDeviceId++);
      createDeviceAndRecord(r, origin);
    }
    try {
      if (size.isPresent()) {
        SizeLabel.grow(pool, files, r.deviceId(), base.fs(), size.getAsLong());
      }
      return mounts(r);
    } catch (IOException | RuntimeException e) {
      try {
        remove(key);
      } catch (IOException x) {
        e.addSuppressed(x);
      }
      throw e;
    }
  }

  /** The mounts of an active snapshot or view. */
  public List<SnapshotMount> mounts(String key) throws IOException {
    SnapshotRecord r;
    synchronized (this) {
      checkOpen();
      r = require(key);
      if (r.info().kind() == SnapshotKind.COMMITTED) {
        throw SnapshotterException.failedPrecondition(
            "snapshot " + key + " is committed: only active snapshots and views have mounts");
      }
    }
    return mounts(r);
  }

  private List<SnapshotMount> mounts(SnapshotRecord r) throws IOException {
    Path file = files.expose(r.deviceId());
    boolean readOnly = r.info().kind() == SnapshotKind.VIEW;
    return List.of(
        new SnapshotMount(base.fs().type(), file.toString(), base.fs().mountOptions(readOnly)));
  }

  /**
   * Commits active snapshot {@code key} as {@code name}: the pool commits first (the layer's data
   * durable), then one record change swaps the names. The device is the same; nothing is copied.
   */
  public void commit(String name, String key, Map<String, String> labels) throws IOException {
    Limits.checkKey("name", name);
    Limits.checkLabels(labels);
    long device;
    synchronized (this) {
      checkOpen();
      SnapshotRecord a = require(key);
      if (a.info().kind() != SnapshotKind.ACTIVE) {
        throw SnapshotterException.failedPrecondition(
            "snapshot " + key + " is not active (" + kind(a) + "): only active ones commit");
      }
      if (records.containsKey(name)) {
        throw SnapshotterException.alreadyExists("snapshot " + name + " already exists");
      }
      pool.commit();
      Instant now = clock.instant();
      SnapshotInfo info =
          new SnapshotInfo(name, a.info().parent(), SnapshotKind.COMMITTED, labels, now, now);
      change(new RecordChange(List.of(key), List.of(new SnapshotRecord(info, a.deviceId()))));
      device = a.deviceId();
    }
    if (!files.inUse(device)) {
      files.release(device); // a committed layer is only a parent: it needs no file
    }
  }

  /**
   * Removes snapshot {@code key}: refused while it has children; the record goes first, then the
   * device. A device whose file is still open (mounted) is deleted later, once released (deferred
   * removal, {@link DeferredRemovals}), so Remove never fails with "device is busy".
   */
  public void remove(String key) throws IOException {
    long device;
    synchronized (this) {
      checkOpen();
      SnapshotRecord r = require(key);
      for (SnapshotRecord other : records.values()) {
        if (other.info().parent().equals(key)) {
          throw SnapshotterException.failedPrecondition(
              "cannot remove snapshot " + key + ": snapshot " + other.name() + " is its child");
        }
      }
      change(RecordChange.remove(key));
      device = r.deviceId();
      if (files.inUse(device)) {
        deferred.add(device); // never "device is busy": the device goes once released
        return;
      }
      removing.add(device);
    }
    try {
      files.release(device);
      pool.delete(device);
    } finally {
      synchronized (this) {
        removing.remove(device);
      }
    }
  }

  public synchronized SnapshotInfo stat(String key) throws IOException {
    checkOpen();
    return require(key).info();
  }

  /**
   * containerd's Update: only labels change. No field paths: the labels become {@code
   * info.labels()}; "labels": the same; "labels.K": label K is set from {@code info} or removed if
   * {@code info} has none. Any other path is refused.
   */
  public synchronized SnapshotInfo update(SnapshotInfo info, List<String> fieldPaths)
      throws IOException {
    checkOpen();
    SnapshotRecord r = require(info.name());
    Map<String, String> labels = new TreeMap<>(r.info().labels());
    if (fieldPaths.isEmpty()) {
      labels = new TreeMap<>(info.labels());
    }
    for (String path : fieldPaths) {
      if (path.equals("labels")) {
        labels = new TreeMap<>(info.labels());
      } else if (path.startsWith("labels.")) {
        String k = path.substring("labels.".length());
        String v = info.labels().get(k);
        if (v == null) {
          labels.remove(k);
        } else {
          labels.put(k, v);
        }
      } else {
        throw SnapshotterException.invalidArgument(
            "cannot update field " + path + " of snapshot " + info.name() + ": only labels");
      }
    }
    Limits.checkLabels(labels);
    SnapshotRecord updated =
        new SnapshotRecord(r.info().withLabels(labels, clock.instant()), r.deviceId());
    change(RecordChange.put(updated));
    return updated.info();
  }

  /** The snapshots matching containerd's {@code filters} (OR of comma-separated ANDs). */
  public List<SnapshotInfo> list(List<String> filters) throws IOException {
    ListFilter f = ListFilter.parse(filters);
    List<SnapshotInfo> out = new ArrayList<>();
    synchronized (this) {
      checkOpen();
      for (SnapshotRecord r : records.values()) {
        if (f.matches(r.info())) {
          out.add(r.info());
        }
      }
    }
    return out;
  }

  /** Bytes of data blocks mapped by the snapshot's device. */
  public long usageBytes(String key) throws IOException {
    long device;
    synchronized (this) {
      checkOpen();
      device = require(key).deviceId();
    }
    // What removing the snapshot would free: blocks shared with its parent or children stay.
    return pool.usage(device).exclusiveBlocks() * pool.dataBlockSizeBytes();
  }

  /**
   * containerd's Cleanup: finishes the deferred removals whose devices were released, deletes
   * devices no record names (left by a removal that failed half-way) unless still in use, and
   * releases files of committed snapshots no one holds open.
   */
  public void cleanup() throws IOException {
    deferred.retry(); // the deferred removals whose devices were released since
    synchronized (this) {
      checkOpen();
      Set<Long> busy = new HashSet<>(removing);
      busy.addAll(deferred.pending()); // orphans too, but still in use: the timer takes them
      Reconcile.deleteOrphans(pool, files, base.deviceId(), records, busy);
    }
    for (SnapshotRecord r : snapshotRecords()) {
      if (r.info().kind() == SnapshotKind.COMMITTED && !files.inUse(r.deviceId())) {
        files.release(r.deviceId());
      }
    }
  }

  /** The thin device of each snapshot, by name (for tests and {@code thinpool info}). */
  public synchronized Map<String, Long> deviceIds() {
    Map<String, Long> out = new TreeMap<>();
    records.forEach((k, r) -> out.put(k, r.deviceId()));
    return out;
  }

  private synchronized List<SnapshotRecord> snapshotRecords() {
    return new ArrayList<>(records.values());
  }

  /** Releases every device file and closes the records file; the pool stays open. */
  @Override
  public void close() throws IOException {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (retrier != null) {
      retrier.shutdownNow();
    }
    recordWriter.shutdown();
    try {
      files.close();
    } finally {
      log.close();
    }
  }

  private void change(RecordChange c) throws IOException {
    log.append(c);
    applied(c);
  }

  private void applied(RecordChange c) throws IOException {
    RecordLog.apply(records, c);
    if (log.compactionDue(records.size())) {
      log.compact(records.values());
    }
  }

  /**
   * Creates {@code r}'s device (a committed snapshot of {@code origin}) and appends its record at
   * the same time, each durable before this returns: Prepare's fsyncs overlap instead of adding up.
   * A crash in between leaves a device without a record or a record without a device, and {@link
   * Reconcile} removes either. One that fails undoes the other.
   */
  private void createDeviceAndRecord(SnapshotRecord r, long origin) throws IOException {
    RecordChange put = RecordChange.put(r);
    Future<?> record =
        recordWriter.submit(
            () -> {
              log.append(put);
              return null;
            });
    Exception poolFailure = null;
    try {
      var _ = pool.createSnapshot(r.deviceId(), origin);
    } catch (IOException | RuntimeException e) {
      poolFailure = e;
    }
    Exception recordFailure = awaitRecord(record);
    if (poolFailure == null && recordFailure == null) {
      applied(put);
      return;
    }
    Exception first = poolFailure != null ? poolFailure : recordFailure;
    try {
      if (recordFailure == null) {
        log.append(RecordChange.remove(r.name())); // the record names a device never made
      } else if (poolFailure == null) {
        pool.delete(r.deviceId());
      } else {
        first.addSuppressed(recordFailure);
      }
    } catch (IOException | RuntimeException x) {
      first.addSuppressed(x); // Reconcile removes what is left at the next start
    }
    if (first instanceof IOException io) {
      throw io;
    }
    throw (RuntimeException) first;
  }

  /**
   * Waits for the record's append and returns its failure, or null. Interrupted, it still waits the
   * append out (the log is not thread-safe) and then reports the interrupt unless the append
   * failed; the thread's interrupt status is kept.
   */
  private static Exception awaitRecord(Future<?> record) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          record.get();
          return interrupted
              ? new InterruptedIOException("interrupted while writing a snapshot record")
              : null;
        } catch (ExecutionException e) {
          return e.getCause() instanceof Exception x ? x : new IOException(e.getCause());
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private SnapshotRecord require(String key) throws SnapshotterException {
    SnapshotRecord r = records.get(key);
    if (r == null) {
      throw SnapshotterException.notFound("snapshot " + key + " does not exist");
    }
    return r;
  }

  private static String kind(SnapshotRecord r) {
    return r.info().kind().name().toLowerCase(java.util.Locale.ROOT);
  }

  private void checkOpen() throws SnapshotterException {
    if (closed) {
      throw SnapshotterException.failedPrecondition("the snapshotter is shutting down");
    }
  }
}

package org.thinpool.thin;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.thinpool.io.BlockDevice;
import org.thinpool.io.MetadataCorruptException;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.meta.block.MetadataBlock;
import org.thinpool.meta.btree.BTree;
import org.thinpool.meta.btree.EntryVisitor;
import org.thinpool.meta.space.DataSpaceMap;
import org.thinpool.meta.space.Extent;
import org.thinpool.meta.space.MetadataSpaceMap;
import org.thinpool.meta.tx.SpaceMap;
import org.thinpool.meta.tx.TransactionManager;

/**
 * The pool's metadata, in the kernel's dm-thin format (dm-thin-metadata.c's role): thin devices,
 * their mappings, both space maps, transactions and the metadata snapshot.
 *
 * <p>Contract: nothing reaches the committed state before {@link #commit}; a commit writes every
 * new block, syncs, then writes the superblock and syncs ({@link TransactionManager#commit} owns
 * that order), so a crash at any point leaves either the previous or the new transaction, whole.
 * Not thread-safe: the pool serialises callers.
 */
public final class ThinMetadata implements AutoCloseable {
  /** dm-thin device ids are 24 bits (spec 0). */
  public static final long MAX_DEVICE_ID = (1L << 24) - 1;

  private final BlockManager blocks;
  private final TransactionManager tm;
  private MetadataSpaceMap metadataSm;
  private DataSpaceMap dataSm;
  private MappingTree mappings;
  private BTree<DeviceDetails> detailsTree;
  private Superblock sb;
  private long detailsRoot;
  private long time;
  private long transactionId;
  private long flags;
  private long metadataSnap;

  /** Details changed in this transaction, written to the details tree at commit. */
  private final Map<Long, DeviceDetails> dirtyDetails = new TreeMap<>();

  /**
   * Details as the details tree holds them (read from it, or flushed to it), by device id: a write
   * asks for its device's details several times (sharing, allocation, mapping), and a tree lookup
   * walks nodes and decodes a new record each time. Emptied whenever the roots are reloaded.
   */
  private final Map<Long, DeviceDetails> cleanDetails = new HashMap<>();

  /**
   * The device {@link #details} answered last ({@code -1}: none) and its details: one write asks
   * for them four times (sharing, allocation, mapping twice). Kept equal to the maps: {@link
   * #putDetails} refreshes it, a delete or a reload drops it.
   */
  private long memoId = -1;

  private DeviceDetails memo;

  private final OpenProvisions provisions = new OpenProvisions();

  private ThinMetadata(BlockManager blocks) {
    this.blocks = blocks;
    this.tm = new TransactionManager(blocks);
  }

  /**
   * Formats a new pool on {@code device} (which must be at least a few blocks), like the kernel
   * does on a zeroed metadata device, and commits it.
   */
  public static ThinMetadata format(
      BlockDevice device, long dataBlockSizeSectors, long nrDataBlocks, int cacheBlocks)
      throws IOException {
    ThinMetadata md = new ThinMetadata(new BlockManager(device, cacheBlocks, false));
    long nrBlocks = Math.min(md.blocks.blockCount(), MetadataSpaceMap.MAX_BLOCKS);
    if (nrBlocks < 8) {
      throw new MetadataStateException("metadata device too small: " + nrBlocks + " blocks");
    }
    md.metadataSm = MetadataSpaceMap.create(md.tm, nrBlocks);
    md.dataSm = DataSpaceMap.create(md.tm, nrDataBlocks);
    md.detailsTree = new BTree<>(md.tm, ValueCodecs.DETAILS);
    md.mappings = MappingTree.create(md.tm, md.dataSm);
    md.detailsRoot = md.detailsTree.createEmpty();
    md.sb =
        new Superblock(
            0,
            null,
            Superblock.CURRENT_VERSION,
            0,
            0,
            0,
            null,
            null,
            0,
            0,
            dataBlockSizeSectors,
            nrBlocks,
            0,
            0,
            0);
    if (dataBlockSizeSectors < Superblock.MIN_DATA_BLOCK_SECTORS
        || dataBlockSizeSectors > Superblock.MAX_DATA_BLOCK_SECTORS
        || dataBlockSizeSectors % Superblock.MIN_DATA_BLOCK_SECTORS != 0) {
      throw new MetadataStateException(
          "data block size of "
              + dataBlockSizeSectors
              + " sectors is not a multiple of 128 between 128 and 2097152");
    }
    md.commit();
    return md;
  }

  /** Opens existing metadata; validates the superblock and loads both space maps. */
  public static ThinMetadata open(BlockDevice device, boolean readOnly, int cacheBlocks)
      throws IOException {
    ThinMetadata md = new ThinMetadata(new BlockManager(device, cacheBlocks, readOnly));
    md.load();
    return md;
  }

  private void load() throws IOException {
    sb = Superblock.read(blocks, 0);
    long counted = sb.metadataSpaceMap().nrBlocks();
    if (blocks.blockCount() < counted) {
      // Blocks past the end would read as zeros and be handed out as free: refuse up front,
      // with what is wrong, rather than fail later on whichever block is read first.
      throw new MetadataStateException(
          "metadata device holds "
              + blocks.blockCount()
              + " blocks of 4 KiB but its space map counts "
              + counted
              + ": it was truncated or"
              + " shrunk; run thinpool check, and restore the metadata from a dump");
    }
    metadataSm = MetadataSpaceMap.open(tm, sb.metadataSpaceMap());
    dataSm = DataSpaceMap.open(tm, sb.dataSpaceMap());
    detailsTree = new BTree<>(tm, ValueCodecs.DETAILS);
    mappings = new MappingTree(tm, dataSm, sb.dataMappingRoot());
    detailsRoot = sb.deviceDetailsRoot();
    time = sb.time();
    transactionId = sb.transactionId();
    flags = sb.flags();
    metadataSnap = sb.metadataSnap();
    dirtyDetails.clear();
    cleanDetails.clear();
    memoId = -1;
  }

  // ---- transactions ----

  /** Makes every change since the last commit durable; the superblock is written last. */
  public void commit() throws IOException {
    provisions.checkNoneOpen();
    flushDetails();
    tm.commit(Superblock.BLOCK_TYPE, this::encodeSuperblock, dataSm);
  }

  /** The new superblock, asked for by the commit once both space maps are written. */
  private byte[] encodeSuperblock() {
    sb =
        sb.withRoots(
            time,
            transactionId,
            flags,
            metadataSnap,
            dataSm.root(),
            metadataSm.root(),
            mappings.root(),
            detailsRoot);
    return sb.encode();
  }

  /** Throws away every change since the last commit. */
  public void abort() throws IOException {
    provisions.aborted();
    tm.abort();
    load();
  }

  /**
   * True if anything changed since the last commit (or open): a device, a mapping, a space-map
   * count, the transaction id, the time, a flag. Conservative: every change to a tree allocates or
   * shadows a metadata block, which changes the metadata space map. A commit while this is false
   * would rewrite the superblock with the same contents.
   */
  public boolean hasUncommittedChanges() {
    return !dirtyDetails.isEmpty()
        || dataSm.hasChanges()
        || metadataSm.hasChanges()
        || mappings.root() != sb.dataMappingRoot()
        || detailsRoot != sb.deviceDetailsRoot()
        || time != sb.time()
        || transactionId != sb.transactionId()
        || flags != sb.flags()
        || metadataSnap != sb.metadataSnap();
  }

  public Superblock superblock() {
    return sb;
  }

  public long transactionId() {
    return transactionId;
  }

  /** Compare-and-swap of the user-space transaction id (pool message set_transaction_id). */
  public void setTransactionId(long expected, long next) throws MetadataStateException {
    if (expected != transactionId) {
      throw new MetadataStateException("transaction id is " + transactionId + ", not " + expected);
    }
    transactionId = next;
  }

  public long time() {
    return time;
  }

  public long dataBlockSizeSectors() {
    return sb.dataBlockSizeSectors();
  }

  public long dataBlockSizeBytes() {
    return sb.dataBlockSizeSectors() * SuperblockInfo.SECTOR_BYTES;
  }

  public SpaceMap dataSpaceMap() {
    return dataSm;
  }

  public SpaceMap metadataSpaceMap() {
    return metadataSm;
  }

  public BlockManager blockManager() {
    return blocks;
  }

  public void setNeedsCheck() throws IOException {
    flags |= Superblock.FLAG_NEEDS_CHECK;
    commit();
  }

  /** Clears needs_check and commits (thin_check --clear-needs-check-flag, after a clean check). */
  public void clearNeedsCheck() throws IOException {
    flags &= ~Superblock.FLAG_NEEDS_CHECK;
    commit();
  }

  // ---- devices ----

  public boolean exists(long id) throws IOException {
    return details(id) != null;
  }

  /** The device's details, or null if there is no such device. */
  public DeviceDetails details(long id) throws IOException {
    if (id == memoId) {
      return memo;
    }
    DeviceDetails d = dirtyDetails.get(id);
    if (d == null) {
      d = cleanDetails.get(id);
    }
    if (d == null) {
      d = detailsTree.lookup(detailsRoot, id);
      if (d != null) {
        cleanDetails.put(id, d);
      }
    }
    if (d != null) {
      memoId = id;
      memo = d;
    }
    return d;
  }

  /** Changes a device's details in this transaction (written to the details tree at commit). */
  private void putDetails(long id, DeviceDetails d) {
    dirtyDetails.put(id, d);
    memoId = id;
    memo = d;
  }

  /** Every device id, ascending. */
  public List<Long> deviceIds() throws IOException {
    return mappings.deviceIds();
  }

  public void createThin(long id) throws IOException {
    checkNewId(id);
    mappings.createDevice(id);
    putDetails(id, new DeviceDetails(0, transactionId, time, time));
  }

  /** An O(1) snapshot: the new device shares the origin's whole mapping tree. */
  public void createSnap(long id, long originId) throws IOException {
    checkNewId(id);
    DeviceDetails origin = requireDevice(originId);
    if (time >= Mapping.MAX_TIME) {
      throw new MetadataStateException("pool time exhausted: no more snapshots can be taken");
    }
    // The origin keeps its root (now shared; its next write shadows it).
    mappings.snapshot(id, originId);
    time++;
    putDetails(originId, origin.withSnapshottedTime(time));
    putDetails(id, new DeviceDetails(origin.mappedBlocks(), transactionId, time, time));
  }

  /** Deletes a device; data blocks no other device references are freed. */
  public void delete(long id) throws IOException {
    requireDevice(id);
    mappings.delete(id);
    dirtyDetails.remove(id);
    cleanDetails.remove(id);
    if (memoId == id) {
      memoId = -1;
    }
    var r = detailsTree.remove(detailsRoot, id);
    detailsRoot = r.root();
  }

  // ---- mappings ----

  /** The mapping of a virtual block, or null if unprovisioned. */
  public Mapping lookup(long id, long vblock) throws IOException {
    long v = mappings.lookup(id, vblock);
    return v == MappingTree.ABSENT ? null : Mapping.unpack(v);
  }

  /**
   * The data block a virtual block maps to, or -1 if it is unprovisioned: the lookup of the read
   * path, which allocates nothing (no boxing, no result object).
   */
  public long findDataBlock(long id, long vblock) throws IOException {
    long v = mappings.lookup(id, vblock);
    return v == MappingTree.ABSENT ? -1 : Mapping.dataBlockOf(v);
  }

  /**
   * The data block a virtual block maps to and whether it is shared (the kernel's
   * dm_thin_find_block): mapped at a time before the device's latest snapshot.
   */
  public BlockLookup find(long id, long vblock) throws IOException {
    long v = mappings.lookup(id, vblock);
    if (v == MappingTree.ABSENT) {
      return BlockLookup.UNMAPPED;
    }
    return new BlockLookup.Mapped(
        Mapping.dataBlockOf(v), requireDevice(id).snapshottedTime() > Mapping.timeOf(v));
  }

  // ---- provisioning (Provision says the protocol) ----

  /**
   * Allocates a data block for unmapped virtual block {@code vblock} of device {@code id}. Throws
   * {@link org.thinpool.io.OutOfSpaceException} with nothing changed if none is free.
   */
  public Provision provision(long id, long vblock) throws IOException {
    return allocate(id, vblock, Provision.NO_SOURCE);
  }

  /** Allocates the data block that replaces {@code shared}, a shared block of {@code vblock}. */
  public Provision breakSharing(long id, long vblock, BlockLookup.Mapped shared)
      throws IOException {
    if (!shared.shared()) {
      throw new AssertionError(
          "breaking the sharing of exclusive data block " + shared.dataBlock());
    }
    return allocate(id, vblock, shared.dataBlock());
  }

  private Provision allocate(long id, long vblock, long source) throws IOException {
    requireDevice(id);
    return provisions.open(id, vblock, dataSm.newBlock(), source);
  }

  /**
   * Allocates consecutive data blocks for virtual blocks {@code vblock}, {@code vblock + 1}, ...,
   * one for each of the first {@code count} entries of {@code states} (each {@link
   * BlockLookup#UNMAPPED} or a shared mapping, as {@link #find} gave them): as many as the data
   * space map has in a row where it finds room, at least one. For writes that cover the blocks
   * whole, so nothing is copied and the blocks stay one run of the data device (one write now, one
   * read later). Throws {@link org.thinpool.io.OutOfSpaceException} with nothing changed if no
   * block is free.
   */
  public Provision[] provisionRun(long id, long vblock, BlockLookup[] states, int count)
      throws IOException {
    requireDevice(id);
    long[] sources = new long[count];
    for (int i = 0; i < count; i++) {
      sources[i] =
          switch (states[i]) {
            case BlockLookup.Mapped m when m.shared() -> m.dataBlock();
            case BlockLookup.Mapped m ->
                throw new AssertionError("provisioning exclusive data block " + m.dataBlock());
            case BlockLookup.Unmapped u -> Provision.NO_SOURCE;
          };
    }
    Extent run = dataSm.newBlocks(count);
    Provision[] opened = new Provision[run.length()];
    for (int i = 0; i < opened.length; i++) {
      opened[i] = provisions.open(id, vblock + i, run.first() + i, sources[i]);
    }
    return opened;
  }

  /**
   * Maps the provision's block at the current time and returns true; its reference passes to the
   * mapping (a shared block it replaces loses this device's reference). Returns false with nothing
   * changed if the provision was voided by an abort or its device is gone (the block is released if
   * it was still held). An {@link IOException} is the tree update's own: the transaction must then
   * be aborted, as after any failed b-tree update.
   */
  public boolean map(Provision p) throws IOException {
    if (p.isMappedUnfilled()) {
      throw new AssertionError(p + " is mapped already");
    }
    if (!exists(p.thinId())) {
      release(p);
      return false;
    }
    if (!provisions.close(p)) {
      return false;
    }
    insertMapping(p.thinId(), p.virtualBlock(), p.dataBlock());
    return true;
  }

  /**
   * Maps the provision's block before its data is written, and returns true; the provision stays
   * open. For a caller that keeps every reader and writer of the virtual block out until the data
   * is in (the pool's block locks), and every commit (the pool's commit gate; {@link #commit}
   * refuses while the provision is open anyway), and then ends it with {@link #filled}, or with
   * {@link #unmapUnfilled} if the data could not be written. Mapping in the same metadata section
   * as the lookup and the allocation walks the tree path while it is in the CPU's caches; after a
   * block copy it is not. Returns false with nothing changed (the block released) if the device is
   * gone. An {@link IOException} is the tree update's own, as for {@link #map}.
   */
  public boolean mapUnfilled(Provision p) throws IOException {
    if (!exists(p.thinId())) {
      release(p);
      return false;
    }
    if (p.isMappedUnfilled()) {
      throw new AssertionError(p + " mapped twice");
    }
    long replaced = mappings.lookup(p.thinId(), p.virtualBlock());
    p.mappedUnfilled(replaced == MappingTree.ABSENT ? Provision.NOT_REPLACED : replaced);
    insertMapping(p.thinId(), p.virtualBlock(), p.dataBlock());
    return true;
  }

  /** Ends a provision mapped by {@link #mapUnfilled} whose data is in: it stays mapped. */
  public void filled(Provision p) {
    checkMappedUnfilled(p);
    provisions.close(p); // voided by an abort: the mapping went with the transaction
  }

  /**
   * Ends a provision mapped by {@link #mapUnfilled} whose data could not be written: the virtual
   * block maps what it mapped before (the replaced block regains this device's reference) or
   * nothing, and the provision's block is free again. After an abort there is nothing to undo.
   */
  public void unmapUnfilled(Provision p) throws IOException {
    checkMappedUnfilled(p);
    if (!provisions.close(p)) {
      return;
    }
    if (p.replaced() == Provision.NOT_REPLACED) {
      removeMapping(p.thinId(), p.virtualBlock()); // drops the block's only reference
    } else {
      dataSm.inc(Mapping.dataBlockOf(p.replaced()));
      mappings.insert(p.thinId(), p.virtualBlock(), p.replaced()); // drops the block's reference
    }
  }

  private static void checkMappedUnfilled(Provision p) {
    if (!p.isMappedUnfilled()) {
      throw new AssertionError(p + " was not mapped before its fill");
    }
  }

  /**
   * Gives the provision's block back (the data could not be written, or the pool refused the
   * change); the space map is as before the provision. After an abort there is nothing to give
   * back.
   */
  public void release(Provision p) throws IOException {
    if (p.isMappedUnfilled()) {
      throw new AssertionError(p + " is mapped: it ends with filled or unmapUnfilled");
    }
    if (provisions.close(p)) {
      dataSm.dec(p.dataBlock());
    }
  }

  /** Nodes of the mapping trees shadowed so far (op-counting tests). */
  long mappingNodesShadowed() {
    return mappings.nodesShadowed();
  }

  /**
   * Checks the details held in memory against the details tree (tests; an AssertionError if stale):
   * every clean entry as the tree holds it, and the memo as the maps answer.
   */
  void checkDetailsCache() throws IOException {
    for (Map.Entry<Long, DeviceDetails> e : cleanDetails.entrySet()) {
      if (dirtyDetails.containsKey(e.getKey())) {
        continue; // changed since: the dirty entry answers
      }
      DeviceDetails inTree = detailsTree.lookup(detailsRoot, e.getKey());
      if (!e.getValue().equals(inTree)) {
        throw new AssertionError(
            "device " + e.getKey() + ": cached " + e.getValue() + ", tree " + inTree);
      }
    }
    if (memoId >= 0) {
      DeviceDetails d = dirtyDetails.get(memoId);
      if (d == null) {
        d = detailsTree.lookup(detailsRoot, memoId);
      }
      if (!memo.equals(d)) {
        throw new AssertionError("device " + memoId + ": memo " + memo + ", maps " + d);
      }
    }
  }

  /** Checks the device-root cache against the top-level tree (tests). */
  void checkDeviceRoots() throws IOException {
    mappings.checkDeviceRoots();
  }

  /** Allocates a data block (count 1) for a new mapping. */
  public long allocDataBlock() throws IOException {
    return dataSm.newBlock();
  }

  /**
   * Maps {@code vblock} to {@code dataBlock} at the current pool time. The caller's reference to
   * the data block (from {@link #allocDataBlock}) passes to the mapping. Returns true if the block
   * was unmapped before.
   */
  public boolean insertMapping(long id, long vblock, long dataBlock) throws IOException {
    DeviceDetails d = requireDevice(id);
    if (dataBlock >= dataSm.nrBlocks()) {
      throw new AssertionError("data block " + dataBlock + " beyond the data device");
    }
    boolean added = mappings.insert(id, vblock, new Mapping(dataBlock, time).pack());
    if (added) {
      putDetails(id, d.withMappedBlocks(d.mappedBlocks() + 1));
    }
    return added;
  }

  /** Unmaps one virtual block, releasing its data block reference. */
  public boolean removeMapping(long id, long vblock) throws IOException {
    return removeRange(id, vblock, vblock + 1) > 0;
  }

  /**
   * Unmaps [begin, end) (discard): each removed mapping drops its data block's reference, freeing
   * blocks no other device maps. Returns how many blocks were mapped there.
   */
  public long removeRange(long id, long begin, long end) throws IOException {
    DeviceDetails d = requireDevice(id);
    long removed = mappings.removeRange(id, begin, end);
    if (removed > 0) {
      putDetails(id, d.withMappedBlocks(d.mappedBlocks() - removed));
    }
    return removed;
  }

  /** Visits the device's mappings with begin <= vblock < end, ascending. */
  public void visitMappings(long id, long begin, long end, EntryVisitor<Mapping> visitor)
      throws IOException {
    mappings.visit(id, begin, end, (k, v) -> visitor.visit(k, Mapping.unpack(v)));
  }

  /**
   * Visits all of the device's mappings, ascending, each with whether its path in the device's tree
   * is shared with another tree ({@link BTree#visitSharing}).
   */
  public void visitMappingsSharing(long id, BTree.SharingVisitor<Mapping> visitor)
      throws IOException {
    mappings.visitSharing(id, (k, v, shared) -> visitor.visit(k, Mapping.unpack(v), shared));
  }

  /** The highest mapped virtual block of a device, or -1. */
  public long highestMapped(long id) throws IOException {
    long[] last = {-1};
    visitMappings(
        id,
        0,
        Long.MAX_VALUE,
        (k, m) -> {
          last[0] = k;
          return true;
        });
    return last[0];
  }

  // ---- restore (package-private: MetadataRestorer) ----

  void restoreSuperblock(long newTime, long newTransactionId, long newFlags) {
    time = newTime;
    transactionId = newTransactionId;
    flags = newFlags;
  }

  long newDeviceTree() throws IOException {
    return mappings.newDeviceTree();
  }

  long restoreMapping(long deviceRoot, long vblock, Mapping m) throws IOException {
    dataSm.inc(m.dataBlock());
    var r = mappings.insertDetached(deviceRoot, vblock, m.pack());
    if (!r.added()) {
      throw new MetadataStateException("virtual block " + vblock + " mapped twice");
    }
    return r.root();
  }

  void restoreDevice(long id, long deviceRoot, DeviceDetails d) throws IOException {
    mappings.attach(id, deviceRoot);
    putDetails(id, d);
  }

  // ---- resize ----

  public void resizeDataDevice(long nrBlocks) throws IOException {
    long cur = dataSm.nrBlocks();
    if (nrBlocks < cur) {
      throw new MetadataStateException(
          "the data device cannot shrink (" + cur + " -> " + nrBlocks + " blocks)");
    }
    dataSm.extend(nrBlocks - cur);
  }

  public void resizeMetadataDevice(long nrBlocks) throws IOException {
    long cur = metadataSm.nrBlocks();
    if (nrBlocks < cur) {
      throw new MetadataStateException("the metadata device cannot shrink");
    }
    if (nrBlocks > blocks.blockCount()) {
      throw new MetadataStateException(
          "metadata device holds only " + blocks.blockCount() + " blocks");
    }
    metadataSm.extend(nrBlocks - cur);
  }

  // ---- metadata snapshot ----

  public long metadataSnap() {
    return metadataSnap;
  }

  /**
   * Takes the metadata snapshot (spec 8.6): commits, copies the superblock to a new block with its
   * space-map roots zeroed, and shares both trees with it. Commits again.
   */
  public long reserveMetadataSnap() throws IOException {
    if (metadataSnap != 0) {
      throw new MetadataStateException(
          "a metadata snapshot is already held at block " + metadataSnap);
    }
    commit();
    long snap;
    try (var b = tm.newBlock(Superblock.BLOCK_TYPE)) {
      b.copyFrom(sb.encodeMetadataSnapCopy());
      b.putU64(MetadataBlock.OFFSET_BLOCKNR, b.blockNr());
      snap = b.blockNr();
    }
    tm.inc(mappings.root());
    tm.inc(detailsRoot);
    metadataSnap = snap;
    commit();
    return snap;
  }

  /** Drops the metadata snapshot and every block only it referenced. */
  public void releaseMetadataSnap() throws IOException {
    if (metadataSnap == 0) {
      throw new MetadataStateException("no metadata snapshot is held");
    }
    Superblock snap = readSnapshotSuperblock(metadataSnap);
    mappings.deleteTree(snap.dataMappingRoot());
    detailsTree.delete(snap.deviceDetailsRoot());
    tm.dec(metadataSnap);
    metadataSnap = 0;
    commit();
  }

  /** Reads the superblock copy at {@code blockNr} (the metadata snapshot). */
  public Superblock readSnapshotSuperblock(long blockNr) throws IOException {
    return Superblock.read(blocks, blockNr);
  }

  /** A read-only view of the trees rooted in a superblock (live or metadata snapshot). */
  public TreeView view(Superblock roots) {
    return new TreeView(
        roots.dataMappingRoot(),
        roots.deviceDetailsRoot(),
        mappings.topTree(),
        mappings.deviceTree(),
        detailsTree);
  }

  /** The live trees (uncommitted changes included). */
  public TreeView liveView() throws IOException {
    flushDetails();
    return new TreeView(
        mappings.root(), detailsRoot, mappings.topTree(), mappings.deviceTree(), detailsTree);
  }

  private void flushDetails() throws IOException {
    for (Map.Entry<Long, DeviceDetails> e : dirtyDetails.entrySet()) {
      detailsRoot = detailsTree.insert(detailsRoot, e.getKey(), e.getValue()).root();
    }
    cleanDetails.putAll(dirtyDetails);
    dirtyDetails.clear();
  }

  /** Fails unless {@code id} is a 24-bit id that no device has yet. */
  public void checkNewId(long id) throws IOException {
    if (id < 0 || id > MAX_DEVICE_ID) {
      throw new MetadataStateException("device id " + id + " is outside 0.." + MAX_DEVICE_ID);
    }
    if (exists(id)) {
      throw new MetadataStateException("thin device " + id + " already exists");
    }
  }

  /** The details of device {@code id}; fails if there is no such device. */
  public DeviceDetails requireDevice(long id) throws IOException {
    DeviceDetails d = details(id);
    if (d == null) {
      throw new MetadataStateException("no thin device " + id);
    }
    return d;
  }

  @Override
  public void close() throws IOException {
    blocks.close();
  }

  static MetadataCorruptException corrupt(long block, String what, String why) {
    return new MetadataCorruptException(block, what, why);
  }
}

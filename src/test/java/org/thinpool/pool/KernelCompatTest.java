package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.KIB;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.testing.ExternalTool;
import org.thinpool.testing.KernelThin;

/**
 * Issue 3, item 11: the real Linux dm-thin target agrees with us, both ways. Each case boots a
 * Debian kernel under qemu with {@code kernel-thin.sh} (see {@link KernelThin}; 5-10 s a boot under
 * TCG) on the pool's two files and compares the sha256 of every thin device as the kernel reads it
 * with the sha256 of the bytes our {@link ThinDevice} reads over the same length, and the kernel's
 * {@code dmsetup status} with ours.
 */
class KernelCompatTest {
  private static final int BLOCK = (int) (64 * KIB);
  private static final long BLOCK_SECTORS = BLOCK / 512;
  private static final long MAX_ID = (1L << 24) - 1;

  /** Virtual size of the devices the kernel makes in the kernel-to-us case: 512 blocks. */
  private static final long KERNEL_THIN_SECTORS = 65_536;

  /**
   * Run inside the VM on a zeroed metadata file: the kernel formats the pool, makes thin 1 (300
   * whole blocks, so the mapping tree has more than one leaf, then partial writes into new blocks),
   * snapshot 2 of the active thin 1 (new blocks, a copy-on-write in each of 1 and 2, discards of
   * shared and of exclusive blocks), snapshot 3 of snapshot 2, and an empty thin 4.
   */
  private static final String KERNEL_WRITES =
      String.format(
          Locale.ROOT,
          """
      SZ=%d
      w() { dd if=/dev/urandom of=/dev/mapper/$1 bs=$2 count=$3 seek=$4 conv=fsync 2>/dev/null; }
      dmsetup message $POOL 0 "create_thin 1"
      dmsetup create thin1 --table "0 $SZ thin $POOL 1"
      w thin1 64k 300 0
      w thin1 4k 1 5000
      w thin1 512 3 60001
      dmsetup suspend thin1
      dmsetup message $POOL 0 "create_snap 2 1"
      dmsetup resume thin1
      dmsetup create thin2 --table "0 $SZ thin $POOL 2"
      w thin2 64k 2 400
      w thin2 4k 1 50
      w thin1 4k 1 81
      blkdiscard -o $((100 * 65536)) -l $((20 * 65536)) /dev/mapper/thin1
      blkdiscard -o $((5 * 65536)) -l 65536 /dev/mapper/thin1
      dmsetup suspend thin2
      dmsetup message $POOL 0 "create_snap 3 2"
      dmsetup resume thin2
      dmsetup create thin3 --table "0 $SZ thin $POOL 3"
      blkdiscard -o $((400 * 65536)) -l 65536 /dev/mapper/thin2
      dmsetup message $POOL 0 "create_thin 4"
      dmsetup create thin4 --table "0 $SZ thin $POOL 4"
      for i in 1 2 3 4; do kt-hash /dev/mapper/thin$i thin:$i; done
      """,
          KERNEL_THIN_SECTORS);

  /**
   * Run inside the VM on a pool we wrote, after the kernel hashed its devices: into thin 1, one new
   * block (600) and one copy-on-write of block 1, which 1 shares with snapshots 2 and 3.
   */
  private static final String KERNEL_WRITES_INTO_OURS =
      """
      dd if=/dev/urandom of=/dev/mapper/thin1 bs=64k count=1 seek=600 conv=fsync 2>/dev/null
      dd if=/dev/urandom of=/dev/mapper/thin1 bs=4k count=1 seek=17 conv=fsync 2>/dev/null
      kt-hash /dev/mapper/thin1 thin1-after
      """;

  @TempDir Path dir;

  /** What we know of a pool: each device's size, sha256 and status; data blocks in use. */
  private record Seen(
      Map<Long, Long> sizes,
      Map<Long, String> hashes,
      Map<Long, ThinStatus> status,
      PoolStatus pool) {
    static Seen of(ThinPool pool) throws IOException {
      Map<Long, Long> sizes = new TreeMap<>();
      Map<Long, ThinStatus> status = new TreeMap<>();
      for (long id : pool.deviceIds()) {
        sizes.put(id, pool.device(id).sizeBytes());
        status.put(id, pool.thinStatus(id));
      }
      return new Seen(sizes, hashAll(pool, sizes), status, pool.status());
    }
  }

  // ---------------------------------------------------------------- thinpool -> kernel

  /**
   * A pool we wrote (a two-level mapping tree, partial and unaligned writes, copy-on-write from
   * both sides of a snapshot, a snapshot of a snapshot, a deleted device, discards, the largest
   * 24-bit id, a size that is not a whole number of blocks) activates in the kernel, which reads
   * every device as we do; the kernel then allocates from our space maps, and we read its writes.
   */
  @Test
  void kernelReadsEveryDeviceOfAPoolWeWroteAsWeDo() throws IOException {
    Seen ours;
    try (ThinPool pool =
        ThinPool.create(dir, PoolOptions.ofDataSize(128 * MIB).withDataBlockSize(BLOCK))) {
      writeMixedPool(pool);
      ours = Seen.of(pool);
    }
    assertThat(ours.sizes().keySet()).containsExactly(1L, 2L, 3L, 7L, MAX_ID);
    assertMetadataClean(dir);

    KernelThin.Run run = kernel(ours.sizes(), KERNEL_WRITES_INTO_OURS, false, BLOCK_SECTORS);
    assertThat(run.lines()).as(run.describe()).contains("pool ok");
    assertThat(run.thinHashes()).as(run.describe()).isEqualTo(ours.hashes());
    for (long id : List.of(2L, 3L, 7L, MAX_ID)) { // the script changed thin 1
      assertThat(run.thinStatus(id))
          .as("kernel status of thin %d", id)
          .isEqualTo(statusLine(ours.sizes().get(id), ours.status().get(id), BLOCK_SECTORS));
    }
    long dataUsed = ours.pool().dataBlocksUsed() + 2; // the script's new block and its copy
    assertThat(run.poolStatus().dataBlocksUsed()).as("data blocks used").isEqualTo(dataUsed);

    // The kernel committed on teardown: its metadata is clean and we read what it wrote.
    assertMetadataClean(dir);
    try (ThinPool reopened = ThinPool.open(dir)) {
      Seen after = Seen.of(reopened);
      assertThat(after.sizes()).isEqualTo(ours.sizes());
      assertThat(after.hashes().get(1L))
          .as("thin 1 after the kernel wrote it")
          .isEqualTo(run.hashes().get("thin1-after"));
      for (long id : List.of(2L, 3L, 7L, MAX_ID)) {
        assertThat(after.hashes().get(id)).as("thin %d", id).isEqualTo(ours.hashes().get(id));
      }
      assertThat(after.pool().dataBlocksUsed()).isEqualTo(dataUsed);
      assertThat(after.status().get(1L))
          .isEqualTo(new ThinStatus(1, 40 * MIB, ours.status().get(1L).mappedBlocks() + 1, 639));
    }
    assertMetadataClean(dir);
  }

  private static void writeMixedPool(ThinPool pool) throws IOException {
    ThinDevice one = pool.createThin(1, 40 * MIB);
    one.write(0, bytes(1, (int) (20 * MIB))); // 320 mappings: more than one btree leaf
    one.write(25 * MIB - 3000, bytes(2, 100_000)); // unaligned, across three blocks
    one.write(30 * MIB + 12_345, bytes(3, 1000)); // partial first write: the rest zeroed
    one.write(40 * MIB - 512, bytes(4, 512)); // the last sector: block 639

    ThinDevice doomed = pool.createThin(9, 4 * MIB);
    doomed.write(0, bytes(9, 5 * BLOCK));

    ThinDevice two = pool.createSnapshot(2, 1);
    two.write(3L * BLOCK + 8192, bytes(5, 4096)); // copy-on-write of a shared block, merged
    two.write(10L * BLOCK, bytes(6, BLOCK)); // a whole shared block overwritten
    two.write(500L * BLOCK + 777, bytes(7, 777)); // a new block in the snapshot
    one.write(5L * BLOCK + 100, bytes(8, 300)); // copy-on-write from the origin's side
    one.discard(100L * BLOCK, 8L * BLOCK); // unmapped in 1, still used by 2

    ThinDevice three = pool.createSnapshot(3, 2); // a snapshot of a snapshot
    three.write(3L * BLOCK, bytes(10, 2048)); // a block shared by 2 and 3 only
    two.write(500L * BLOCK, bytes(11, BLOCK)); // 2's own block, now shared with 3
    two.discard(200L * BLOCK, 4L * BLOCK);

    pool.createThin(7, 4 * MIB); // never written: all zeros
    ThinDevice odd = pool.createThin(MAX_ID, MIB + 4 * KIB + 512); // not whole blocks
    odd.write(MIB - 1000, bytes(12, 5000)); // into the last, partial block
    pool.delete(9);
    pool.commit();
  }

  /**
   * A block size that is not a power of two (192 KiB = 384 sectors, where dm-thin divides instead
   * of shifting) and a device size that is not a whole number of blocks.
   */
  @Test
  void kernelReadsAPoolWithNonPowerOfTwoBlocks() throws IOException {
    int block = 192 * (int) KIB;
    Seen ours;
    try (ThinPool pool =
        ThinPool.create(dir, PoolOptions.ofDataSize(96 * MIB).withDataBlockSize(block))) {
      ThinDevice one = pool.createThin(1, 10 * MIB);
      one.write(block - 4096, bytes(30, 3 * block)); // unaligned, across four blocks
      one.write(10 * MIB - 700, bytes(31, 700)); // the end of the last, partial block
      ThinDevice two = pool.createSnapshot(2, 1);
      two.write(2L * block + 5000, bytes(32, 10_000)); // copy-on-write, merged
      one.write(7L * block, bytes(33, 64)); // a new block in the origin only
      pool.commit();
      ours = Seen.of(pool);
    }
    assertMetadataClean(dir);
    KernelThin.Run run = kernel(ours.sizes(), null, true, block / 512);
    assertThat(run.thinHashes()).as(run.describe()).isEqualTo(ours.hashes());
    for (long id : ours.sizes().keySet()) {
      assertThat(run.thinStatus(id))
          .as("kernel status of thin %d", id)
          .isEqualTo(statusLine(ours.sizes().get(id), ours.status().get(id), block / 512));
    }
    assertThat(run.poolStatus().dataBlocksUsed()).isEqualTo(ours.pool().dataBlocksUsed());
  }

  // ---------------------------------------------------------------- kernel -> thinpool

  /**
   * The kernel formats a zeroed metadata file and writes thin devices and snapshots; the real
   * thin_check accepts it; we open it, adopt sizes from the highest mapped blocks, and read the
   * kernel's bytes. Then we write into it (a copy-on-write of a block the kernel shared, new
   * blocks, a snapshot of a kernel device) and a second boot reads every device as we do.
   */
  @Test
  void weReadAPoolTheKernelWroteAndTheKernelReadsOurChangesToIt() throws IOException {
    long sizeBytes = KERNEL_THIN_SECTORS * 512;
    sparseFile(dir.resolve(ThinPool.METADATA_FILE), 8 * MIB);
    sparseFile(dir.resolve(ThinPool.DATA_FILE), 64 * MIB);
    KernelThin.Run first = kernel(Map.of(), KERNEL_WRITES, false, BLOCK_SECTORS);
    assertThat(first.thinHashes().keySet()).as(first.describe()).containsExactly(1L, 2L, 3L, 4L);
    assertMetadataClean(dir);

    Seen ours;
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.deviceIds()).containsExactly(1L, 2L, 3L, 4L);
      assertThat(pool.dataBlockSizeBytes()).isEqualTo(BLOCK);
      Seen adopted = Seen.of(pool);
      for (long id = 1; id <= 4; id++) {
        ThinStatus st = adopted.status().get(id);
        assertThat(st.sizeBytes())
            .as("adopted size of thin %d", id)
            .isEqualTo((st.highestMappedBlock() + 1) * BLOCK);
        assertThat(first.thinStatus(id))
            .as("kernel status of thin %d", id)
            .isEqualTo(statusLine(sizeBytes, st, BLOCK_SECTORS));
        pool.resize(id, sizeBytes);
      }
      assertThat(adopted.pool().dataBlocksUsed()).isEqualTo(first.poolStatus().dataBlocksUsed());
      Seen resized = Seen.of(pool);
      assertThat(resized.hashes()).as(first.describe()).isEqualTo(first.thinHashes());

      pool.device(2).write(7L * BLOCK + 1000, bytes(20, 5000)); // shared by 1, 2 and 3
      pool.device(3).write(450L * BLOCK, bytes(21, 3 * BLOCK)); // new blocks in a snapshot
      pool.createSnapshot(5, 1).write(0, bytes(22, 512)); // our snapshot of a kernel device
      pool.device(4).write(sizeBytes - BLOCK - 10, bytes(23, 20)); // across the last two blocks
      pool.commit();
      ours = Seen.of(pool);
    }
    assertMetadataClean(dir);

    KernelThin.Run second = kernel(ours.sizes(), null, true, BLOCK_SECTORS);
    assertThat(second.thinHashes()).as(second.describe()).isEqualTo(ours.hashes());
    for (long id : ours.sizes().keySet()) {
      assertThat(second.thinStatus(id))
          .as("kernel status of thin %d", id)
          .isEqualTo(statusLine(sizeBytes, ours.status().get(id), BLOCK_SECTORS));
    }
    assertPoolStatusMatches(second.poolStatus(), ours.pool());
  }

  /**
   * The kernel's used and total blocks are ours, except that dm-thin reports the metadata blocks it
   * holds in reserve, min(4096, total / 10), as used.
   */
  private static void assertPoolStatusMatches(KernelThin.PoolLine kernel, PoolStatus ours) {
    assertThat(kernel.dataBlocksUsed()).as("data blocks used").isEqualTo(ours.dataBlocksUsed());
    assertThat(kernel.dataBlocksTotal()).as("data blocks").isEqualTo(ours.dataBlocksTotal());
    assertThat(kernel.metadataBlocksTotal())
        .as("metadata blocks")
        .isEqualTo(ours.metadataBlocksTotal());
    long reserve = Math.min(4096, ours.metadataBlocksTotal() / 10);
    assertThat(kernel.metadataBlocksUsed())
        .as("metadata blocks used, with the kernel's reserve")
        .isEqualTo(ours.metadataBlocksUsed() + reserve);
  }

  // ---------------------------------------------------------------- helpers

  /** Boots the kernel on {@code dir}; it must succeed without a device-mapper complaint. */
  private KernelThin.Run kernel(
      Map<Long, Long> thinSizesBytes, String script, boolean readOnly, long blockSectors)
      throws IOException {
    ExternalTool.require("thin_check");
    KernelThin.Run run =
        KernelThin.run(
            new KernelThin.Request(
                dir.resolve(ThinPool.METADATA_FILE),
                dir.resolve(ThinPool.DATA_FILE),
                blockSectors,
                thinSizesBytes,
                script,
                readOnly));
    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.kernelErrors()).as(run.describe()).isEmpty();
    return run;
  }

  /** sha256 of each device's bytes as our ThinDevice reads them, over {@code sizes}. */
  private static Map<Long, String> hashAll(ThinPool pool, Map<Long, Long> sizes)
      throws IOException {
    Map<Long, String> out = new TreeMap<>();
    ByteBuffer buf = ByteBuffer.allocate((int) MIB);
    for (Map.Entry<Long, Long> e : sizes.entrySet()) {
      ThinDevice dev = pool.device(e.getKey());
      MessageDigest sha = sha256();
      for (long pos = 0; pos < e.getValue(); pos += buf.capacity()) {
        buf.clear().limit((int) Math.min(buf.capacity(), e.getValue() - pos));
        dev.read(pos, buf);
        sha.update(buf.flip());
      }
      out.put(e.getKey(), HexFormat.of().formatHex(sha.digest()));
    }
    return out;
  }

  /** A thin target's status as {@code dmsetup status} prints it, from ours. */
  private static String statusLine(long sizeBytes, ThinStatus st, long blockSectors) {
    String highest =
        st.highestMappedBlock() < 0
            ? "-"
            : Long.toString((st.highestMappedBlock() + 1) * blockSectors - 1);
    return "0 " + sizeBytes / 512 + " thin " + st.mappedBlocks() * blockSectors + " " + highest;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static void sparseFile(Path file, long sizeBytes) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(1), sizeBytes - 1);
    }
  }
}

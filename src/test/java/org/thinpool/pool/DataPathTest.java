package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.MIB;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;
import static org.thinpool.pool.PoolAssertions.bytes;
import static org.thinpool.pool.PoolAssertions.read;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.io.BlockDevice;
import org.thinpool.testing.Allocations;

/**
 * The data path (issue 9 item 10), counted, not timed: contiguous data blocks of one request are
 * one call to the data device, requests allocate nothing, and the metadata lock is never held
 * across data I/O (a data read or write stuck in the device does not stop lookups, reads and writes
 * of other blocks and devices).
 */
class DataPathTest {
  private static final long BLOCK = 64 * 1024;

  @TempDir Path dir;

  /** Counts data calls; a read or write at {@link #stallAt} waits until released. */
  static final class Probe implements BlockDevice {
    final BlockDevice inner;
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger writes = new AtomicInteger();
    final AtomicLong bytesWritten = new AtomicLong();
    final AtomicInteger preallocations = new AtomicInteger();
    final AtomicLong stallAt = new AtomicLong(-1);
    final CountDownLatch stalled = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    Probe(BlockDevice inner) {
      this.inner = inner;
    }

    private void maybeStall(long offsetBytes) {
      if (offsetBytes == stallAt.get()) {
        stalled.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public long sizeBytes() throws IOException {
      return inner.sizeBytes();
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) throws IOException {
      reads.incrementAndGet();
      maybeStall(offsetBytes);
      inner.read(offsetBytes, dst);
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src) throws IOException {
      writes.incrementAndGet();
      bytesWritten.addAndGet(src.remaining());
      maybeStall(offsetBytes);
      inner.write(offsetBytes, src);
    }

    @Override
    public boolean preallocate(long offsetBytes, long lengthBytes) throws IOException {
      preallocations.incrementAndGet();
      return inner.preallocate(offsetBytes, lengthBytes);
    }

    @Override
    public boolean readIfCached(long offsetBytes, ByteBuffer dst) throws IOException {
      reads.incrementAndGet();
      return inner.readIfCached(offsetBytes, dst);
    }

    @Override
    public boolean isHole(long offsetBytes, long lengthBytes) throws IOException {
      return inner.isHole(offsetBytes, lengthBytes);
    }

    @Override
    public void sync() throws IOException {
      inner.sync();
    }

    @Override
    public void discard(long offsetBytes, long lengthBytes) throws IOException {
      inner.discard(offsetBytes, lengthBytes);
    }

    @Override
    public void resize(long sizeBytes) throws IOException {
      inner.resize(sizeBytes);
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }

  private Probe probe;

  private ThinPool create(long dataBytes) throws IOException {
    PoolHooks hooks =
        PoolHooks.NONE.withDevices(PoolHooks.AS_IS, (path, dev) -> probe = new Probe(dev));
    return ThinPool.create(dir.resolve("pool"), PoolOptions.ofDataSize(dataBytes), hooks);
  }

  @Test
  void contiguousDataBlocksOfOneRequestAreOneDataCall() throws IOException {
    try (ThinPool pool = create(64 * MIB)) {
      ThinDevice dev = pool.createThin(7, 16 * MIB);
      byte[] image = bytes(7, (int) (16 * MIB));
      dev.write(0, ByteBuffer.wrap(image)); // provisions 256 blocks, in order
      pool.commit();
      for (long off = 0; off < 16 * MIB; off += MIB) {
        int reads = probe.reads.get();
        assertThat(read(dev, off, (int) MIB))
            .isEqualTo(java.util.Arrays.copyOfRange(image, (int) off, (int) (off + MIB)));
        assertThat(probe.reads.get() - reads).as("data reads for 1 MiB at %d", off).isOne();
        int writes = probe.writes.get();
        dev.write(off + 100, ByteBuffer.wrap(bytes(off, (int) MIB - 200))); // in place
        assertThat(probe.writes.get() - writes).as("data writes for 1 MiB at %d", off).isOne();
      }
    }
  }

  @Test
  void aChunkIsPreallocatedOnceAndAgainAfterAPunchInIt() throws IOException {
    Path file = dir.resolve("data");
    try (Probe dev = new Probe(org.thinpool.io.FileBlockDevice.create(file, 64 * BLOCK));
        DataArea data = new DataArea(dev, "data", BLOCK, 64, new DataArea.Tuning(false, 4))) {
      ByteBuffer w = ByteBuffer.wrap(bytes(1, 4096));
      data.fill(0, -1, true, 0, w.clear());
      data.fill(1, -1, true, 0, w.clear());
      data.fill(3, -1, true, 0, w.clear());
      assertThat(dev.preallocations.get()).as("blocks 0-3: one chunk, one call").isEqualTo(1);
      data.fill(5, -1, true, 0, w.clear());
      assertThat(dev.preallocations.get()).as("block 5: the next chunk").isEqualTo(2);
      data.punch(new long[] {1});
      data.fill(2, -1, true, 0, w.clear());
      assertThat(dev.preallocations.get()).as("chunk 0 again after its punch").isEqualTo(3);
      assertThat(PoolAssertions.allocatedBytes(file)).isGreaterThanOrEqualTo(7 * BLOCK);
      ByteBuffer got = ByteBuffer.allocate((int) BLOCK);
      data.read(1, 0, got);
      assertThat(got.array()).as("a punched block reads as zeros").isEqualTo(new byte[(int) BLOCK]);
    }
  }

  @Test
  void aRunStopsWhereTheDataBlocksStopBeingConsecutive() throws IOException {
    try (ThinPool pool = create(64 * MIB)) {
      ThinDevice dev = pool.createThin(1, 4 * MIB);
      ThinDevice other = pool.createThin(2, 4 * MIB);
      byte[] a = bytes(1, (int) (2 * BLOCK));
      byte[] b = bytes(2, (int) BLOCK);
      dev.write(0, a); // data blocks 0, 1
      other.write(0, b); // data block 2
      dev.write(3 * BLOCK, b); // data block 3, after a hole at virtual block 2
      pool.createSnapshot(3, 1); // blocks 0, 1 and 3 of device 1 are shared now
      dev.write(BLOCK, ByteBuffer.wrap(a), false); // copies block 1, provisions block 2
      int reads = probe.reads.get();
      byte[] got = read(dev, 0, (int) (4 * BLOCK));
      byte[] want = new byte[(int) (4 * BLOCK)];
      System.arraycopy(a, 0, want, 0, (int) BLOCK);
      System.arraycopy(a, 0, want, (int) BLOCK, a.length);
      System.arraycopy(b, 0, want, (int) (3 * BLOCK), b.length);
      assertThat(got).isEqualTo(want);
      // block 0 (old data block), blocks 1-2 (new blocks, allocated one after another), block 3
      assertThat(probe.reads.get() - reads).isBetween(3, 4);
      ThinDevice snap = pool.device(3);
      reads = probe.reads.get();
      byte[] old = read(snap, 0, (int) (4 * BLOCK));
      assertThat(java.util.Arrays.copyOfRange(old, 0, a.length)).isEqualTo(a);
      assertThat(java.util.Arrays.copyOfRange(old, (int) (2 * BLOCK), (int) (3 * BLOCK)))
          .isEqualTo(new byte[(int) BLOCK]);
      assertThat(probe.reads.get() - reads)
          .as("blocks 0-1 one read, 2 a hole, 3 one read")
          .isLessThanOrEqualTo(3);
    }
    assertMetadataClean(dir.resolve("pool"));
  }

  @Test
  void readsAllocateNothingAndWritesNoBuffers() throws IOException {
    try (ThinPool pool = create(64 * MIB)) {
      ThinDevice dev = pool.createThin(300, 16 * MIB); // an id Long.valueOf would box
      dev.write(0, ByteBuffer.allocateDirect((int) (16 * MIB)));
      pool.commit();
      ByteBuffer buf = ByteBuffer.allocateDirect((int) MIB);
      long readBytes =
          Allocations.bytesAllocated(2_000, i -> dev.read((i % 16) * MIB, buf.clear()));
      assertThat(readBytes).as("bytes allocated by 2 000 reads of 1 MiB").isLessThan(2_000);
      // A write's lookup still answers with small records (the sharing answer and the device's
      // details, 128 bytes a block); what must not be there is a buffer or a slice per request.
      ByteBuffer small = ByteBuffer.allocateDirect(4096);
      long smallWrite =
          Allocations.bytesAllocated(2_000, i -> dev.write((i % 4096) * 4096L, small.clear()));
      assertThat(smallWrite / 2_000).as("bytes per in-place write of 4 KiB").isLessThan(160);
      long bigWrite = Allocations.bytesAllocated(200, i -> dev.write((i % 16) * MIB, buf.clear()));
      assertThat(bigWrite / 200).as("bytes per in-place write of 1 MiB").isLessThan(16 * 160);
    }
  }

  @Test
  void aDataCallStuckInTheDeviceHoldsNoMetadataLock() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try (ThinPool pool = create(64 * MIB)) {
      ThinDevice slow = pool.createThin(1, 4 * MIB);
      ThinDevice fast = pool.createThin(2, 4 * MIB);
      slow.write(0, bytes(1, (int) (4 * BLOCK)));
      fast.write(0, bytes(2, (int) (4 * BLOCK)));
      pool.commit();
      long stuckBlock = 0; // virtual block 0 of device 1 is data block 0
      probe.stallAt.set(stuckBlock);
      Future<byte[]> stuckRead = threads.submit(() -> read(slow, 0, 4096));
      assertThat(probe.stalled.await(60, TimeUnit.SECONDS)).isTrue();
      Future<?> others =
          threads.submit(
              () -> {
                assertThat(read(fast, BLOCK, 4096)).isEqualTo(slice(bytes(2, (int) (4 * BLOCK))));
                fast.write(2 * BLOCK, bytes(3, 4096)); // in place
                fast.write(3 * MIB, bytes(4, 4096)); // provisions: allocates and maps
                assertThat(slow.isMapped(3)).isTrue(); // a lookup on the stuck device
                assertThat(read(slow, 2 * BLOCK, 4096)).hasSize(4096);
                assertThat(pool.status().dataBlocksUsed()).isEqualTo(9);
                return null;
              });
      // Fails (times out) if any of those waited for the lock the stuck read would hold.
      others.get(60, TimeUnit.SECONDS);
      assertThat(stuckRead.isDone()).isFalse();
      probe.release.countDown();
      assertThat(stuckRead.get(60, TimeUnit.SECONDS)).hasSize(4096);
    } finally {
      probe.release.countDown();
      threads.shutdownNow();
    }
  }

  @Test
  void aReadThatMustNotWaitGivesUpWhileTheMetadataOrItsBlockIsHeld() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try (ThinPool pool = create(64 * MIB)) {
      ThinDevice dev = pool.createThin(1, 4 * MIB);
      byte[] data = bytes(1, (int) (4 * BLOCK));
      dev.write(0, data);
      ByteBuffer got = ByteBuffer.allocateDirect(4096);
      assertThat(dev.readIfCached(BLOCK, got, true)).as("nothing held").isTrue();
      CountDownLatch held = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Future<?> commit =
          threads.submit(
              () -> {
                try (java.io.Closeable h = pool.holdCommitted()) {
                  held.countDown();
                  release.await();
                }
                return null;
              });
      assertThat(held.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(dev.readIfCached(BLOCK, got.clear(), true))
          .as("metadata held by a commit")
          .isFalse();
      assertThat(got.position()).isZero();
      release.countDown();
      commit.get(60, TimeUnit.SECONDS);
      probe.stallAt.set(0); // data block 0: virtual block 0, written in place below
      Future<?> write =
          threads.submit(
              () -> {
                dev.write(0, bytes(2, 4096));
                return null;
              });
      assertThat(probe.stalled.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(dev.readIfCached(100, got.clear(), true)).as("its block being written").isFalse();
      assertThat(dev.readIfCached(BLOCK, got.clear(), true)).as("another block").isTrue();
      assertThat(slice(data)).isEqualTo(bytesOf(got.flip()));
      probe.release.countDown();
      write.get(60, TimeUnit.SECONDS);
    } finally {
      probe.release.countDown();
      threads.shutdownNow();
    }
  }

  @Test
  void aWriteThatMustNotWaitIsAllOrNothingAndSoIsAReadWithoutHoles() throws Exception {
    try (ThinPool pool = create(64 * MIB)) {
      ThinDevice dev = pool.createThin(1, 4 * MIB);
      dev.write(0, bytes(1, (int) (4 * BLOCK))); // blocks 0-3: consecutive data blocks
      ByteBuffer four = ByteBuffer.allocateDirect((int) (4 * BLOCK));
      byte[] over = bytes(2, (int) (4 * BLOCK));
      int writes = probe.writes.get();
      assertThat(dev.writeIfNoWait(0, four.put(over).flip())).as("four blocks in place").isTrue();
      assertThat(probe.writes.get() - writes).as("in one data call").isEqualTo(1);
      assertThat(four.hasRemaining()).isFalse();
      assertThat(read(dev, 0, (int) (4 * BLOCK))).isEqualTo(over);
      ByteBuffer partly =
          ByteBuffer.allocateDirect((int) (3 * BLOCK)).put(bytes(3, (int) (3 * BLOCK)));
      assertThat(dev.writeIfNoWait(2 * BLOCK, partly.flip()))
          .as("blocks 2-3 in place, block 4 unmapped")
          .isFalse();
      assertThat(partly.position()).isZero();
      assertThat(read(dev, 0, (int) (4 * BLOCK))).as("nothing written").isEqualTo(over);
      assertThat(dev.writeIfNoWait(0, four.flip())).isTrue();
      pool.createSnapshot(2, 1);
      ByteBuffer page = ByteBuffer.allocateDirect(4096).put(bytes(4, 4096)).flip();
      assertThat(dev.writeIfNoWait(BLOCK, page)).as("part of a shared block: a copy").isFalse();
      assertThat(page.position()).isZero();
      byte[] newer = bytes(5, (int) (4 * BLOCK));
      writes = probe.writes.get();
      assertThat(dev.writeIfNoWait(0, four.clear().put(newer).flip()))
          .as("whole shared blocks: new blocks, nothing copied")
          .isTrue();
      assertThat(probe.writes.get() - writes).as("in one data call").isEqualTo(1);
      assertThat(read(pool.device(2), 0, (int) (4 * BLOCK)))
          .as("the snapshot keeps the old data")
          .isEqualTo(over);

      ByteBuffer got = ByteBuffer.allocateDirect((int) (4 * BLOCK));
      assertThat(dev.readIfCached(0, got, false)).as("every block mapped").isTrue();
      assertThat(bytesOf(got.flip())).isEqualTo(newer);
      assertThat(dev.readIfCached(BLOCK, got.clear(), false)).as("block 4 unmapped").isFalse();
      assertThat(got.position()).isZero();
      assertThat(dev.readIfCached(BLOCK, got.clear(), true)).as("holes allowed").isTrue();
    }
  }

  @Test
  void aFirstWriteThatMustNotWaitProvisionsOneBlockOrNothing() throws Exception {
    try (ThinPool pool = create(4 * BLOCK)) {
      ThinDevice dev = pool.createThin(1, 16 * BLOCK);
      byte[] page = bytes(4, 4096);
      ByteBuffer src = ByteBuffer.allocateDirect(4096).put(page).flip();
      assertThat(dev.writeIfNoWait(BLOCK + 8192, src)).as("inside unmapped block 1").isTrue();
      assertThat(src.hasRemaining()).isFalse();
      byte[] block = new byte[(int) BLOCK];
      System.arraycopy(page, 0, block, 8192, page.length);
      assertThat(read(dev, BLOCK, (int) BLOCK)).as("zeros around the write").isEqualTo(block);
      assertThat(dev.provisionedBlocks()).containsExactly(1);

      ByteBuffer span = ByteBuffer.allocateDirect(8192).put(bytes(5, 8192)).flip();
      assertThat(dev.writeIfNoWait(3 * BLOCK - 4096, span)).as("over blocks 2 and 3").isFalse();
      assertThat(span.position()).isZero();
      assertThat(dev.provisionedBlocks()).as("nothing provisioned").containsExactly(1);

      pool.createSnapshot(2, 1);
      assertThat(dev.writeIfNoWait(BLOCK, src.rewind())).as("shared with the snapshot").isFalse();
      assertThat(src.position()).isZero();
      assertThat(read(dev, BLOCK, (int) BLOCK)).as("nothing written").isEqualTo(block);

      dev.write(4 * BLOCK, bytes(6, (int) (3 * BLOCK))); // blocks 4-6: the pool's other three
      assertThat(dev.writeIfNoWait(8 * BLOCK, src.rewind())).as("no free data block").isFalse();
      assertThat(src.position()).isZero();
      assertThat(dev.provisionedBlocks()).containsExactly(1, 4, 5, 6);
    }
    assertMetadataClean(dir.resolve("pool"));
  }

  @Test
  void aFirstWriteOfWholeBlocksThatMustNotWaitProvisionsItsRunOrNothing() throws Exception {
    try (ThinPool pool = create(8 * BLOCK)) {
      ThinDevice dev = pool.createThin(1, 16 * BLOCK);
      byte[] four = bytes(1, (int) (4 * BLOCK));
      ByteBuffer src = ByteBuffer.allocateDirect(four.length).put(four).flip();
      int writes = probe.writes.get();
      assertThat(dev.writeIfNoWait(0, src)).as("blocks 0-3, unmapped").isTrue();
      assertThat(probe.writes.get() - writes).as("consecutive new blocks, one data call").isOne();
      assertThat(src.hasRemaining()).isFalse();
      assertThat(dev.provisionedBlocks()).containsExactly(0, 1, 2, 3);
      int reads = probe.reads.get();
      assertThat(read(dev, 0, four.length)).isEqualTo(four);
      assertThat(probe.reads.get() - reads).as("and one read").isOne();

      dev.write(8 * BLOCK, bytes(2, (int) BLOCK)); // data block 4: three left, 5-7
      ByteBuffer more = ByteBuffer.allocateDirect(four.length).put(bytes(3, four.length)).flip();
      assertThat(dev.writeIfNoWait(10 * BLOCK, more)).as("four blocks, three free").isFalse();
      assertThat(more.position()).isZero();
      assertThat(dev.provisionedBlocks()).as("nothing kept").containsExactly(0, 1, 2, 3, 8);
      assertThat(dev.writeIfNoWait(10 * BLOCK, more.limit((int) (3 * BLOCK)))).isTrue();
      assertThat(dev.provisionedBlocks()).containsExactly(0, 1, 2, 3, 8, 10, 11, 12);
      assertThat(read(dev, 10 * BLOCK, (int) (3 * BLOCK)))
          .isEqualTo(java.util.Arrays.copyOf(bytes(3, four.length), (int) (3 * BLOCK)));
    }
    assertMetadataClean(dir.resolve("pool"));
  }

  @Test
  void concurrentSequentialFirstWritesEachGetConsecutiveDataBlocks() throws Exception {
    try (ThinPool pool = create(64 * MIB)) {
      ThinDevice dev = pool.createThin(1, 32 * MIB);
      byte[] image = bytes(9, (int) (32 * MIB));
      ExecutorService writers = Executors.newFixedThreadPool(8);
      try {
        java.util.List<Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < 8; t++) {
          int first = t;
          done.add(
              writers.submit(
                  () -> {
                    for (int m = first; m < 32; m += 8) { // interleaved 1 MiB requests
                      dev.write(m * MIB, ByteBuffer.wrap(image, (int) (m * MIB), (int) MIB));
                    }
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        writers.shutdownNow();
      }
      for (long off = 0; off < 32 * MIB; off += MIB) {
        int reads = probe.reads.get();
        assertThat(read(dev, off, (int) MIB))
            .isEqualTo(java.util.Arrays.copyOfRange(image, (int) off, (int) (off + MIB)));
        assertThat(probe.reads.get() - reads).as("data reads for 1 MiB at %d", off).isOne();
      }
    }
    assertMetadataClean(dir.resolve("pool"));
  }

  @Test
  void aFirstWriteOverFragmentedFreeSpaceTakesTheLongestRunAndThenTheRest() throws Exception {
    try (ThinPool pool = create(8 * BLOCK)) {
      ThinDevice dev = pool.createThin(1, 16 * BLOCK);
      ThinDevice other = pool.createThin(2, 16 * BLOCK);
      for (int b = 0; b < 3; b++) {
        dev.write(b * BLOCK, bytes(b, (int) BLOCK)); // data blocks 0, 2, 4
        other.write(b * BLOCK, bytes(10 + b, (int) BLOCK)); // 1, 3, 5
      }
      pool.delete(2);
      pool.commit(); // free: 1, 3, 5, 6, 7
      byte[] four = bytes(20, (int) (4 * BLOCK));
      int writes = probe.writes.get();
      dev.write(8 * BLOCK, ByteBuffer.wrap(four));
      assertThat(probe.writes.get() - writes).as("5-7 in one call, then 1").isEqualTo(2);
      assertThat(read(dev, 8 * BLOCK, four.length)).isEqualTo(four);
      assertThat(read(dev, 0, (int) BLOCK)).isEqualTo(bytes(0, (int) BLOCK));
      assertThat(pool.status().dataBlocksUsed()).as("3 + the 4 written").isEqualTo(7);
    }
    assertMetadataClean(dir.resolve("pool"));
  }

  /**
   * Runs past the last stripe (tried stripes in any order) beside range locks (discard) and
   * whole-pool locks (snapshot, delete): every thread finishes, the metadata stays clean.
   */
  @Test
  void runsPastTheLastStripeNeverDeadlockWithDiscardsAndSnapshots() throws Exception {
    try (ThinPool pool = create(64 * MIB)) {
      long size = 8 * MIB; // 128 blocks: device 1's stripes wrap at virtual block 79
      ThinDevice dev = pool.createThin(1, size);
      dev.write(0, bytes(1, (int) size));
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
      ExecutorService threads = Executors.newFixedThreadPool(6);
      try {
        java.util.List<Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int seed = t;
          done.add(
              threads.submit(
                  () -> {
                    java.util.Random rnd = new java.util.Random(seed);
                    ByteBuffer buf = ByteBuffer.allocateDirect((int) MIB);
                    while (System.nanoTime() < until) {
                      int blocks = 1 + rnd.nextInt(16);
                      long off = rnd.nextInt((int) (size / BLOCK) - blocks + 1) * BLOCK;
                      buf.clear().limit((int) (blocks * BLOCK));
                      switch (rnd.nextInt(3)) {
                        case 0 -> dev.write(off, buf);
                        case 1 -> dev.writeIfNoWait(off, buf);
                        default -> dev.read(off, buf);
                      }
                    }
                    return null;
                  }));
        }
        done.add(
            threads.submit(
                () -> {
                  java.util.Random rnd = new java.util.Random(9);
                  while (System.nanoTime() < until) {
                    long off = rnd.nextInt((int) (size / BLOCK) - 20) * BLOCK;
                    dev.discard(off, 20 * BLOCK);
                  }
                  return null;
                }));
        done.add(
            threads.submit(
                () -> {
                  while (System.nanoTime() < until) {
                    pool.createSnapshot(2, 1);
                    pool.delete(2);
                  }
                  return null;
                }));
        for (Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        threads.shutdownNow();
      }
      byte[] last = bytes(2, (int) MIB);
      dev.write(size / 2 + 8192, ByteBuffer.wrap(last));
      assertThat(read(dev, size / 2 + 8192, (int) MIB)).isEqualTo(last);
    }
    assertMetadataClean(dir.resolve("pool"));
  }

  private static byte[] bytesOf(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static byte[] slice(byte[] all) {
    return java.util.Arrays.copyOfRange(all, (int) BLOCK, (int) BLOCK + 4096);
  }
}

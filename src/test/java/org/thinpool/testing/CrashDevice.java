package org.thinpool.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.thinpool.io.BlockDevice;
import org.thinpool.io.MemoryBlockDevice;

/**
 * A simulated disk for crash tests: durable state plus the writes issued since the last sync.
 * After {@code opsBeforeCrash} writes and syncs every further operation fails (power is gone);
 * {@link #crash} then decides, from a seeded random source, the fate of each unsynced write:
 * applied, lost, or torn at a 512-byte sector boundary. Reads see pending writes, as a real page
 * cache would. With {@code honourSync = false} sync is ignored: the canary that shows the harness
 * catches a broken commit order.
 */
public final class CrashDevice implements BlockDevice {
  private static final int SECTOR = 512;
  private final MemoryBlockDevice durable;
  private final List<Pending> pending = new ArrayList<>();
  private final boolean honourSync;
  private long opsLeft;
  private long ops;
  private boolean dead;

  private record Pending(long offset, byte[] bytes) {}

  public CrashDevice(MemoryBlockDevice durable, long opsBeforeCrash, boolean honourSync) {
    this.durable = durable;
    this.opsLeft = opsBeforeCrash;
    this.honourSync = honourSync;
  }

  /** Operations (writes and syncs) performed so far. */
  public long ops() {
    return ops;
  }

  public boolean dead() {
    return dead;
  }

  private void tick() throws IOException {
    if (dead || opsLeft-- <= 0) {
      dead = true;
      throw new IOException("simulated power loss");
    }
    ops++;
  }

  @Override
  public long sizeBytes() {
    return durable.sizeBytes();
  }

  @Override
  public void read(long offsetBytes, ByteBuffer dst) throws IOException {
    if (dead) {
      throw new IOException("simulated power loss");
    }
    int len = dst.remaining();
    byte[] buf = new byte[len];
    durable.read(offsetBytes, ByteBuffer.wrap(buf));
    for (Pending p : pending) {
      long from = Math.max(offsetBytes, p.offset);
      long to = Math.min(offsetBytes + len, p.offset + p.bytes.length);
      if (from < to) {
        System.arraycopy(p.bytes, (int) (from - p.offset), buf, (int) (from - offsetBytes),
            (int) (to - from));
      }
    }
    dst.put(buf);
  }

  @Override
  public void write(long offsetBytes, ByteBuffer src) throws IOException {
    tick();
    byte[] b = new byte[src.remaining()];
    src.get(b);
    pending.add(new Pending(offsetBytes, b));
  }

  @Override
  public void sync() throws IOException {
    tick();
    if (honourSync) {
      for (Pending p : pending) {
        durable.write(p.offset, ByteBuffer.wrap(p.bytes));
      }
      pending.clear();
    }
  }

  @Override
  public void discard(long offsetBytes, long lengthBytes) throws IOException {
    tick();
  }

  @Override
  public void resize(long sizeBytes) {
    durable.resize(sizeBytes);
  }

  /** The disk as found after power returns: each unsynced write applied, lost or torn. */
  public MemoryBlockDevice crash(Random rng) {
    for (Pending p : pending) {
      int fate = rng.nextInt(3);
      if (fate == 0) {
        durable.write(p.offset, ByteBuffer.wrap(p.bytes));
      } else if (fate == 1) {
        int sectors = p.bytes.length / SECTOR;
        int keep = sectors <= 1 ? 0 : 1 + rng.nextInt(sectors - 1);
        durable.write(p.offset, ByteBuffer.wrap(p.bytes, 0, keep * SECTOR));
      }
    }
    pending.clear();
    dead = true;
    return durable;
  }

  @Override
  public void close() {}
}

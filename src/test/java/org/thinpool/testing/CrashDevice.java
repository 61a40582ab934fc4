package org.thinpool.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.thinpool.io.BlockDevice;
import org.thinpool.io.MemoryBlockDevice;
import org.thinpool.io.OutOfSpaceException;

/**
 * A simulated disk for crash and fault tests: durable state (any {@link BlockDevice}: memory, or a
 * pool's real file) plus the writes issued since the last sync, kept in memory. Reads see pending
 * writes, as a real page cache would. A {@link FaultPlan}, which several devices may share (a
 * pool's metadata and data), counts their writes, syncs and discards together and injects one fault
 * at its Nth operation: a power cut (every further operation fails), a write torn at a 512-byte
 * sector boundary and then a power cut, or a one-off I/O error or ENOSPC after which the device
 * works on. {@link FaultPlan#powerCut} then decides, from a seeded random source, the fate of each
 * unsynced write: applied, lost, or torn. With {@code honourSync = false} sync is ignored: the
 * canary that shows the harness catches a broken commit order.
 *
 * <p>A discard is applied to the durable state at once (and zeroes the pending writes it covers):
 * callers discard only blocks no committed state uses, so when it lands does not matter.
 */
public final class CrashDevice implements BlockDevice {
  private static final int SECTOR = 512;
  private final BlockDevice durable;
  private final String name;
  private final FaultPlan plan;
  private final List<Pending> pending = new ArrayList<>();
  private final boolean honourSync;

  private record Pending(long offset, byte[] bytes) {}

  /** The fault to inject. */
  public enum Fault {
    /** Power is gone from this operation on. */
    POWER_CUT,
    /** A write lands partly (whole sectors) and power is gone; other operations: a power cut. */
    TORN_WRITE,
    /** The operation fails with an I/O error (EIO); the device works on. */
    EIO,
    /** The operation fails as the host filesystem being full (ENOSPC); the device works on. */
    ENOSPC
  }

  /** One fault at the {@code faultAt}-th operation (1-based) of the devices that share it. */
  public static final class FaultPlan {
    private final long faultAt;
    private final Fault fault;
    private final Random tear;
    private final List<CrashDevice> devices = new ArrayList<>();
    private boolean armed;
    private long ops;
    private boolean dead;
    private boolean fired;

    /** {@code faultAt} counts operations from {@link #arm}; {@code seed} cuts torn writes. */
    public FaultPlan(long faultAt, Fault fault, long seed) {
      this.faultAt = faultAt;
      this.fault = fault;
      this.tear = new Random(seed);
    }

    /** A plan that only counts operations once armed: it never fires. */
    public static FaultPlan counting() {
      return new FaultPlan(Long.MAX_VALUE, Fault.POWER_CUT, 0);
    }

    /** Starts counting (operations before, e.g. formatting a pool, neither count nor fail). */
    public void arm() {
      armed = true;
    }

    /** Operations counted since {@link #arm}, the failing one excluded. */
    public long ops() {
      return ops;
    }

    public boolean fired() {
      return fired;
    }

    public boolean dead() {
      return dead;
    }

    /** Power goes (if it has not): each device's unsynced writes are applied, lost or torn. */
    public void powerCut(Random fates) {
      dead = true;
      for (CrashDevice d : devices) {
        d.settle(fates);
      }
    }

    /** Counts one operation; returns the fault to inject into it, if this is the one. */
    private Fault tick() throws IOException {
      if (dead) {
        throw powerLoss();
      }
      if (!armed) {
        return null;
      }
      if (fired || ops + 1 != faultAt) {
        ops++;
        return null;
      }
      fired = true;
      if (fault == Fault.POWER_CUT) {
        dead = true;
        throw powerLoss();
      }
      return fault;
    }
  }

  /** A device alone with a power cut after {@code opsBeforeCrash} operations. */
  public CrashDevice(MemoryBlockDevice durable, long opsBeforeCrash, boolean honourSync) {
    this(durable, "memory", soloPlan(opsBeforeCrash), honourSync);
  }

  /** {@code durable}, named {@code name} in messages, under the shared {@code plan}. */
  public CrashDevice(BlockDevice durable, String name, FaultPlan plan, boolean honourSync) {
    this.durable = durable;
    this.name = name;
    this.plan = plan;
    this.honourSync = honourSync;
    plan.devices.add(this);
  }

  private static FaultPlan soloPlan(long opsBeforeCrash) {
    FaultPlan p =
        new FaultPlan(
            opsBeforeCrash == Long.MAX_VALUE ? Long.MAX_VALUE : opsBeforeCrash + 1,
            Fault.POWER_CUT,
            0);
    p.arm();
    return p;
  }

  private static IOException powerLoss() {
    return new IOException("simulated power loss");
  }

  /** Operations (writes, syncs, discards) performed so far by every device of the plan. */
  public long ops() {
    return plan.ops;
  }

  public boolean dead() {
    return plan.dead;
  }

  /** Throws the injected one-off error, if {@code f} is one. */
  private void inject(Fault f, String what) throws IOException {
    if (f == Fault.EIO) {
      throw new IOException("Input/output error (injected into a " + what + " of " + name + ")");
    }
    if (f == Fault.ENOSPC) {
      throw new OutOfSpaceException(
          "no space left on the filesystem holding " + name + " (injected into a " + what + ")");
    }
    if (f == Fault.TORN_WRITE) {
      plan.dead = true;
      throw powerLoss();
    }
  }

  @Override
  public long sizeBytes() throws IOException {
    return durable.sizeBytes();
  }

  @Override
  public void read(long offsetBytes, ByteBuffer dst) throws IOException {
    if (plan.dead) {
      throw powerLoss();
    }
    int len = dst.remaining();
    byte[] buf = new byte[len];
    durable.read(offsetBytes, ByteBuffer.wrap(buf));
    for (Pending p : pending) {
      long from = Math.max(offsetBytes, p.offset);
      long to = Math.min(offsetBytes + len, p.offset + p.bytes.length);
      if (from < to) {
        System.arraycopy(
            p.bytes, (int) (from - p.offset), buf, (int) (from - offsetBytes), (int) (to - from));
      }
    }
    dst.put(buf);
  }

  @Override
  public void write(long offsetBytes, ByteBuffer src) throws IOException {
    Fault f = plan.tick();
    byte[] b = new byte[src.remaining()];
    src.get(b);
    if (f == Fault.TORN_WRITE) {
      pending.add(new Pending(offsetBytes, torn(offsetBytes, b, plan.tear)));
    }
    inject(f, "write");
    pending.add(new Pending(offsetBytes, b));
  }

  @Override
  public void sync() throws IOException {
    inject(plan.tick(), "sync");
    if (honourSync) {
      for (Pending p : pending) {
        durable.write(p.offset, ByteBuffer.wrap(p.bytes));
      }
      pending.clear(); // durable by simulation: the real file needs no fsync
    }
  }

  @Override
  public void discard(long offsetBytes, long lengthBytes) throws IOException {
    inject(plan.tick(), "discard");
    long end = offsetBytes + lengthBytes;
    for (Pending p : pending) {
      long from = Math.max(offsetBytes, p.offset);
      long to = Math.min(end, p.offset + p.bytes.length);
      if (from < to) {
        java.util.Arrays.fill(p.bytes, (int) (from - p.offset), (int) (to - p.offset), (byte) 0);
      }
    }
    durable.discard(offsetBytes, lengthBytes);
  }

  @Override
  public void resize(long sizeBytes) throws IOException {
    durable.resize(sizeBytes);
  }

  /** The disk as found after power returns: each unsynced write applied, lost or torn. */
  public MemoryBlockDevice crash(Random rng) {
    plan.powerCut(rng);
    return (MemoryBlockDevice) durable;
  }

  /**
   * The part of a write at {@code offset} that lands before power goes: up to a sector boundary of
   * the device (not of the write) strictly inside it; nothing if there is none.
   */
  private static byte[] torn(long offset, byte[] bytes, Random rng) {
    long firstBoundary = (offset / SECTOR + 1) * SECTOR;
    long end = offset + bytes.length;
    if (firstBoundary >= end) {
      return new byte[0];
    }
    long boundaries = (end - 1 - firstBoundary) / SECTOR + 1;
    long cut = firstBoundary + SECTOR * (long) rng.nextInt((int) boundaries);
    return java.util.Arrays.copyOf(bytes, (int) (cut - offset));
  }

  private void settle(Random rng) {
    try {
      for (Pending p : pending) {
        int fate = rng.nextInt(3);
        if (fate == 0) {
          durable.write(p.offset, ByteBuffer.wrap(p.bytes));
        } else if (fate == 1) {
          durable.write(p.offset, ByteBuffer.wrap(torn(p.offset, p.bytes, rng)));
        }
      }
    } catch (IOException e) {
      throw new AssertionError("the durable state of " + name + " cannot be written", e);
    }
    pending.clear();
  }

  @Override
  public void close() throws IOException {
    durable.close();
  }
}

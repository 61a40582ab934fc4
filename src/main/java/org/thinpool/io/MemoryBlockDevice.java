package org.thinpool.io;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A sparse in-memory {@link BlockDevice} in 4 KiB pages, for tests and benchmarks. Unwritten
 * pages read as zero; {@link #sync} is a no-op (everything is "durable" at once).
 */
public final class MemoryBlockDevice implements BlockDevice {
  private static final int PAGE_BYTES = 4096;
  private final Map<Long, byte[]> pages = new HashMap<>();
  private long sizeBytes;

  public MemoryBlockDevice(long sizeBytes) {
    this.sizeBytes = sizeBytes;
  }

  @Override
  public synchronized long sizeBytes() {
    return sizeBytes;
  }

  @Override
  public synchronized void read(long offsetBytes, ByteBuffer dst) {
    long pos = offsetBytes;
    while (dst.hasRemaining()) {
      long page = pos / PAGE_BYTES;
      int in = (int) (pos % PAGE_BYTES);
      int n = Math.min(PAGE_BYTES - in, dst.remaining());
      byte[] p = pages.get(page);
      if (p == null) {
        for (int i = 0; i < n; i++) {
          dst.put((byte) 0);
        }
      } else {
        dst.put(p, in, n);
      }
      pos += n;
    }
  }

  @Override
  public synchronized void write(long offsetBytes, ByteBuffer src) {
    long pos = offsetBytes;
    while (src.hasRemaining()) {
      long page = pos / PAGE_BYTES;
      int in = (int) (pos % PAGE_BYTES);
      int n = Math.min(PAGE_BYTES - in, src.remaining());
      src.get(pages.computeIfAbsent(page, k -> new byte[PAGE_BYTES]), in, n);
      pos += n;
    }
    sizeBytes = Math.max(sizeBytes, pos);
  }

  @Override
  public void sync() {}

  @Override
  public synchronized void discard(long offsetBytes, long lengthBytes) {
    long end = offsetBytes + lengthBytes;
    for (long pos = offsetBytes; pos < end; ) {
      long page = pos / PAGE_BYTES;
      int in = (int) (pos % PAGE_BYTES);
      int n = (int) Math.min(PAGE_BYTES - in, end - pos);
      byte[] p = pages.get(page);
      if (p != null) {
        if (n == PAGE_BYTES) {
          pages.remove(page);
        } else {
          Arrays.fill(p, in, in + n, (byte) 0);
        }
      }
      pos += n;
    }
  }

  @Override
  public synchronized void resize(long newSizeBytes) {
    sizeBytes = Math.max(sizeBytes, newSizeBytes);
  }

  /** Number of 4 KiB pages that hold data (the device's "allocated size"). */
  public synchronized long allocatedPages() {
    return pages.size();
  }

  /** An independent copy of the device's contents. */
  public synchronized MemoryBlockDevice copy() {
    MemoryBlockDevice c = new MemoryBlockDevice(sizeBytes);
    pages.forEach((k, v) -> c.pages.put(k, v.clone()));
    return c;
  }

  @Override
  public void close() {}
}

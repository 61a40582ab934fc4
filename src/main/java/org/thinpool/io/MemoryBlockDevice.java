package org.thinpool.io;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A sparse in-memory {@link BlockDevice} in 4 KiB pages, for tests and benchmarks. Unwritten pages
 * read as zero; {@link #sync} is a no-op (everything is "durable" at once).
 */
public final class MemoryBlockDevice implements BlockDevice {
  private static final int PAGE_BYTES = 4096;

  /** What an unwritten page reads as; never written to. */
  private static final byte[] ZERO_PAGE = new byte[PAGE_BYTES];

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
    long end = offsetBytes + dst.remaining();
    for (long pos = offsetBytes; pos < end; ) {
      int n = spanInPage(pos, end);
      byte[] p = pages.get(pos / PAGE_BYTES);
      dst.put(p == null ? ZERO_PAGE : p, p == null ? 0 : inPage(pos), n);
      pos += n;
    }
  }

  /** Memory never waits: always read. */
  @Override
  public boolean readIfCached(long offsetBytes, ByteBuffer dst) {
    read(offsetBytes, dst);
    return true;
  }

  @Override
  public synchronized void write(long offsetBytes, ByteBuffer src) {
    long end = offsetBytes + src.remaining();
    for (long pos = offsetBytes; pos < end; ) {
      int n = spanInPage(pos, end);
      src.get(pages.computeIfAbsent(pos / PAGE_BYTES, k -> new byte[PAGE_BYTES]), inPage(pos), n);
      pos += n;
    }
    sizeBytes = Math.max(sizeBytes, end);
  }

  @Override
  public void sync() {}

  @Override
  public synchronized void discard(long offsetBytes, long lengthBytes) {
    long end = offsetBytes + lengthBytes;
    for (long pos = offsetBytes; pos < end; ) {
      int n = spanInPage(pos, end);
      byte[] p = pages.get(pos / PAGE_BYTES);
      if (p != null && n == PAGE_BYTES) {
        pages.remove(pos / PAGE_BYTES);
      } else if (p != null) {
        Arrays.fill(p, inPage(pos), inPage(pos) + n, (byte) 0);
      }
      pos += n;
    }
  }

  /** No page of the range was ever written (or each was discarded whole since). */
  @Override
  public synchronized boolean isHole(long offsetBytes, long lengthBytes) {
    long end = offsetBytes + lengthBytes;
    for (long page = offsetBytes / PAGE_BYTES; page * PAGE_BYTES < end; page++) {
      if (pages.containsKey(page)) {
        return false;
      }
    }
    return true;
  }

  private static int inPage(long pos) {
    return (int) (pos % PAGE_BYTES);
  }

  /** Bytes from {@code pos} to the end of its page or to {@code end}, whichever comes first. */
  private static int spanInPage(long pos, long end) {
    return (int) Math.min(PAGE_BYTES - inPage(pos), end - pos);
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

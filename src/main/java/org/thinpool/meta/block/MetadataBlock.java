package org.thinpool.meta.block;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A cached 4 KiB metadata block; the single implementation of {@link WriteBlock}. Every metadata
 * block starts with the same two fields, which the block manager owns; the rest of the layout
 * belongs to the block's type (spec 1.3, 1.4):
 *
 * <pre>
 * offset size field
 *      0    4 csum     CRC-32C of bytes 4..4095 XOR the type's salt ({@link Checksums})
 *      4    4          the type's (node flags, superblock flags, bitmap not_used)
 *      8    8 blocknr  the block's own location, set on every write
 *     16      the type's
 * </pre>
 */
public final class MetadataBlock extends BlockBytes implements WriteBlock {
  /** Metadata block size, fixed by the format (spec 1.1). */
  public static final int SIZE_BYTES = 4096;

  public static final int OFFSET_CSUM = 0;
  public static final int OFFSET_BLOCKNR = 8;

  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private final BlockManager owner;
  private boolean dirty;
  private int pins;

  /** Hit since the cache's eviction last passed it (second chance). */
  private boolean referenced;

  MetadataBlock(long blockNr, BlockType type, byte[] data, BlockManager owner) {
    super(blockNr, type, data);
    this.owner = owner;
  }

  public static long u64(byte[] b, int offset) {
    return (long) LONG_LE.get(b, offset);
  }

  public static long u32(byte[] b, int offset) {
    return ((int) INT_LE.get(b, offset)) & 0xFFFFFFFFL;
  }

  public static void putU64(byte[] b, int offset, long v) {
    LONG_LE.set(b, offset, v);
  }

  public static void putU32(byte[] b, int offset, long v) {
    if (v < 0 || v > 0xFFFFFFFFL) {
      throw new AssertionError("u32 out of range: " + v);
    }
    INT_LE.set(b, offset, (int) v);
  }

  @Override
  public void putU64(int offset, long value) {
    dirty = true;
    putU64(data, offset, value);
  }

  @Override
  public void putU32(int offset, long value) {
    dirty = true;
    putU32(data, offset, value);
  }

  @Override
  public void copyFrom(byte[] src) {
    dirty = true;
    System.arraycopy(src, 0, data, 0, SIZE_BYTES);
  }

  @Override
  public void move(int fromOffset, int toOffset, int length) {
    dirty = true;
    System.arraycopy(data, fromOffset, data, toOffset, length);
  }

  @Override
  public void zero(int offset, int length) {
    dirty = true;
    Arrays.fill(data, offset, offset + length, (byte) 0);
  }

  @Override
  public void close() {
    owner.unpin(this);
  }

  byte[] data() {
    return data;
  }

  boolean dirty() {
    return dirty;
  }

  void markDirty() {
    dirty = true;
  }

  void markClean() {
    dirty = false;
  }

  int pins() {
    return pins;
  }

  void markReferenced() {
    if (!referenced) {
      referenced = true;
    }
  }

  /** Returns the referenced mark and clears it. */
  boolean takeReferenced() {
    boolean r = referenced;
    referenced = false;
    return r;
  }

  void pin() {
    pins++;
  }

  void unpinOnce() {
    if (pins <= 0) {
      throw new AssertionError("block " + blockNr() + " released more often than held");
    }
    pins--;
  }
}

package org.thinpool.pool;

import java.time.Duration;

/**
 * How to create a pool. The space policy (the last four fields) is kept in {@code pool.conf} and
 * applies every time the pool is opened.
 *
 * @param dataSizeBytes the data file's size; the pool has {@code dataSizeBytes /
 *     dataBlockSizeBytes} data blocks. In direct mode the whole data device is used and this is
 *     only checked against its size
 * @param dataBlockSizeBytes a multiple of 64 KiB, at most 1 GiB
 * @param metadataSizeBytes the metadata file's size, or 0 for {@link
 *     MetadataSizing#defaultSizeBytes} (direct mode: the whole metadata device)
 * @param discardMode what discards do
 * @param zeroing whether a new block is zeroed around a partial first write
 * @param errorIfNoSpace dm-thin's {@code error_if_no_space}: a write that finds no free data block
 *     fails at once; when false it waits up to {@code noSpaceTimeoutMillis} for space
 * @param noSpaceTimeoutMillis how long writes queue on a full pool before failing (dm-thin's {@code
 *     no_space_timeout}); positive
 * @param lowWaterMarkBlocks the low-water-mark event fires once when free data blocks drop to this
 *     number or below (dm-thin's {@code low_water_mark}); again after the data device grows
 * @param minFreeSpacePercent new devices and snapshots are refused while less than this percent of
 *     the data or metadata space is free (Docker's {@code dm.min_free_space}); 0 turns it off
 */
public record PoolOptions(
    long dataSizeBytes,
    long dataBlockSizeBytes,
    long metadataSizeBytes,
    DiscardMode discardMode,
    boolean zeroing,
    boolean errorIfNoSpace,
    long noSpaceTimeoutMillis,
    long lowWaterMarkBlocks,
    int minFreeSpacePercent) {
  /** dm-thin's smallest data block (128 sectors); every block size is a multiple of it. */
  public static final long MIN_DATA_BLOCK_BYTES = 64L << 10;

  /** dm-thin's largest data block (2 097 152 sectors). */
  public static final long MAX_DATA_BLOCK_BYTES = 1L << 30;

  public static final long DEFAULT_DATA_BLOCK_BYTES = MIN_DATA_BLOCK_BYTES;

  /** dm-thin's default {@code no_space_timeout}: 60 seconds. */
  public static final long DEFAULT_NO_SPACE_TIMEOUT_MILLIS = 60_000;

  public PoolOptions {
    if (dataBlockSizeBytes < MIN_DATA_BLOCK_BYTES
        || dataBlockSizeBytes > MAX_DATA_BLOCK_BYTES
        || dataBlockSizeBytes % MIN_DATA_BLOCK_BYTES != 0) {
      throw new IllegalArgumentException(
          "data block size "
              + dataBlockSizeBytes
              + " is not a multiple of 64 KiB between 64 KiB and 1 GiB");
    }
    if (dataSizeBytes < dataBlockSizeBytes) {
      throw new IllegalArgumentException(
          "data size "
              + dataSizeBytes
              + " is smaller than one data block ("
              + dataBlockSizeBytes
              + " bytes)");
    }
    if (metadataSizeBytes != 0 && metadataSizeBytes < MetadataSizing.MIN_BYTES) {
      throw new IllegalArgumentException(
          "metadata size "
              + metadataSizeBytes
              + " is below the minimum of "
              + MetadataSizing.MIN_BYTES
              + " bytes");
    }
    if (discardMode == null) {
      throw new IllegalArgumentException("discard mode is required");
    }
    if (noSpaceTimeoutMillis <= 0) {
      throw new IllegalArgumentException(
          "no-space timeout must be positive, not " + noSpaceTimeoutMillis + " ms");
    }
    if (lowWaterMarkBlocks < 0) {
      throw new IllegalArgumentException("low water mark " + lowWaterMarkBlocks + " is negative");
    }
    if (minFreeSpacePercent < 0 || minFreeSpacePercent > 99) {
      throw new IllegalArgumentException(
          "minimum free space must be 0..99 percent, not " + minFreeSpacePercent);
    }
  }

  /** The first five fields; the space policy at its defaults (see {@link #ofDataSize}). */
  public PoolOptions(
      long dataSizeBytes,
      long dataBlockSizeBytes,
      long metadataSizeBytes,
      DiscardMode discardMode,
      boolean zeroing) {
    this(
        dataSizeBytes,
        dataBlockSizeBytes,
        metadataSizeBytes,
        discardMode,
        zeroing,
        true,
        DEFAULT_NO_SPACE_TIMEOUT_MILLIS,
        0,
        0);
  }

  /**
   * Defaults: 64 KiB blocks, computed metadata size, passdown, zeroing on, error_if_no_space, low
   * water mark 0 (the event fires when the pool runs out), no minimum free space.
   */
  public static PoolOptions ofDataSize(long dataSizeBytes) {
    return new PoolOptions(dataSizeBytes, DEFAULT_DATA_BLOCK_BYTES, 0, DiscardMode.PASSDOWN, true);
  }

  public PoolOptions withDataSize(long bytes) {
    return new PoolOptions(
        bytes,
        dataBlockSizeBytes,
        metadataSizeBytes,
        discardMode,
        zeroing,
        errorIfNoSpace,
        noSpaceTimeoutMillis,
        lowWaterMarkBlocks,
        minFreeSpacePercent);
  }

  public PoolOptions withDataBlockSize(long bytes) {
    return new PoolOptions(
        dataSizeBytes,
        bytes,
        metadataSizeBytes,
        discardMode,
        zeroing,
        errorIfNoSpace,
        noSpaceTimeoutMillis,
        lowWaterMarkBlocks,
        minFreeSpacePercent);
  }

  public PoolOptions withMetadataSize(long bytes) {
    return new PoolOptions(
        dataSizeBytes,
        dataBlockSizeBytes,
        bytes,
        discardMode,
        zeroing,
        errorIfNoSpace,
        noSpaceTimeoutMillis,
        lowWaterMarkBlocks,
        minFreeSpacePercent);
  }

  public PoolOptions withDiscardMode(DiscardMode mode) {
    return new PoolOptions(
        dataSizeBytes,
        dataBlockSizeBytes,
        metadataSizeBytes,
        mode,
        zeroing,
        errorIfNoSpace,
        noSpaceTimeoutMillis,
        lowWaterMarkBlocks,
        minFreeSpacePercent);
  }

  public PoolOptions withZeroing(boolean on) {
    return new PoolOptions(
        dataSizeBytes,
        dataBlockSizeBytes,
        metadataSizeBytes,
        discardMode,
        on,
        errorIfNoSpace,
        noSpaceTimeoutMillis,
        lowWaterMarkBlocks,
        minFreeSpacePercent);
  }

  /** error_if_no_space: a write that finds the pool full fails at once with ENOSPC. */
  public PoolOptions withErrorIfNoSpace() {
    return new PoolOptions(
        dataSizeBytes,
        dataBlockSizeBytes,
        metadataSizeBytes,
        discardMode,
        zeroing,
        true,
        noSpaceTimeoutMillis,
        lowWaterMarkBlocks,
        minFreeSpacePercent);
  }

  /** Writes on a full pool wait up to {@code timeout} for the data device to grow. */
  public PoolOptions withQueueIfNoSpace(Duration timeout) {
    return new PoolOptions(
        dataSizeBytes,
        dataBlockSizeBytes,
        metadataSizeBytes,
        discardMode,
        zeroing,
        false,
        timeout.toMillis(),
        lowWaterMarkBlocks,
        minFreeSpacePercent);
  }

  public PoolOptions withLowWaterMark(long blocks) {
    return new PoolOptions(
        dataSizeBytes,
        dataBlockSizeBytes,
        metadataSizeBytes,
        discardMode,
        zeroing,
        errorIfNoSpace,
        noSpaceTimeoutMillis,
        blocks,
        minFreeSpacePercent);
  }

  public PoolOptions withMinFreeSpace(int percent) {
    return new PoolOptions(
        dataSizeBytes,
        dataBlockSizeBytes,
        metadataSizeBytes,
        discardMode,
        zeroing,
        errorIfNoSpace,
        noSpaceTimeoutMillis,
        lowWaterMarkBlocks,
        percent);
  }

  /** The number of whole data blocks in the data file. */
  public long dataBlockCount() {
    return dataSizeBytes / dataBlockSizeBytes;
  }

  /** The metadata size to create: the given one, else the computed default. */
  public long effectiveMetadataSizeBytes() {
    return metadataSizeBytes != 0
        ? metadataSizeBytes
        : MetadataSizing.defaultSizeBytes(dataBlockCount());
  }
}

package org.thinpool.pool;

/**
 * How to create a pool.
 *
 * @param dataSizeBytes the data file's size; the pool has {@code dataSizeBytes /
 *     dataBlockSizeBytes} data blocks
 * @param dataBlockSizeBytes a multiple of 64 KiB, at most 1 GiB
 * @param metadataSizeBytes the metadata file's size, or 0 for {@link
 *     MetadataSizing#defaultSizeBytes}
 * @param discardMode what discards do
 * @param zeroing whether a new block is zeroed around a partial first write
 */
public record PoolOptions(
    long dataSizeBytes,
    long dataBlockSizeBytes,
    long metadataSizeBytes,
    DiscardMode discardMode,
    boolean zeroing) {
  /** dm-thin's smallest data block (128 sectors); every block size is a multiple of it. */
  public static final long MIN_DATA_BLOCK_BYTES = 64L << 10;

  /** dm-thin's largest data block (2 097 152 sectors). */
  public static final long MAX_DATA_BLOCK_BYTES = 1L << 30;

  public static final long DEFAULT_DATA_BLOCK_BYTES = MIN_DATA_BLOCK_BYTES;

  public PoolOptions {
    if (dataBlockSizeBytes < MIN_DATA_BLOCK_BYTES
        || dataBlockSizeBytes > MAX_DATA_BLOCK_BYTES
        || dataBlockSizeBytes % MIN_DATA_BLOCK_BYTES != 0) {
      throw new IllegalArgumentException("data block size " + dataBlockSizeBytes
          + " is not a multiple of 64 KiB between 64 KiB and 1 GiB");
    }
    if (dataSizeBytes < dataBlockSizeBytes) {
      throw new IllegalArgumentException("data size " + dataSizeBytes
          + " is smaller than one data block (" + dataBlockSizeBytes + " bytes)");
    }
    if (metadataSizeBytes != 0 && metadataSizeBytes < MetadataSizing.MIN_BYTES) {
      throw new IllegalArgumentException("metadata size " + metadataSizeBytes
          + " is below the minimum of " + MetadataSizing.MIN_BYTES + " bytes");
    }
    if (discardMode == null) {
      throw new IllegalArgumentException("discard mode is required");
    }
  }

  /** Defaults: 64 KiB blocks, computed metadata size, passdown, zeroing on. */
  public static PoolOptions ofDataSize(long dataSizeBytes) {
    return new PoolOptions(dataSizeBytes, DEFAULT_DATA_BLOCK_BYTES, 0, DiscardMode.PASSDOWN, true);
  }

  public PoolOptions withDataBlockSize(long bytes) {
    return new PoolOptions(dataSizeBytes, bytes, metadataSizeBytes, discardMode, zeroing);
  }

  public PoolOptions withMetadataSize(long bytes) {
    return new PoolOptions(dataSizeBytes, dataBlockSizeBytes, bytes, discardMode, zeroing);
  }

  public PoolOptions withDiscardMode(DiscardMode mode) {
    return new PoolOptions(dataSizeBytes, dataBlockSizeBytes, metadataSizeBytes, mode, zeroing);
  }

  public PoolOptions withZeroing(boolean on) {
    return new PoolOptions(dataSizeBytes, dataBlockSizeBytes, metadataSizeBytes, discardMode, on);
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

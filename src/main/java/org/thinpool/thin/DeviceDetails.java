package org.thinpool.thin;

/**
 * A thin device's entry in the details tree (spec 3.4), 24 bytes.
 *
 * <pre>
 * offset size field
 *      0    8 mapped_blocks     number of mappings in the device tree
 *      8    8 transaction_id    pool trans_id when created
 *     16    4 creation_time     pool time when created
 *     20    4 snapshotted_time  pool time of the latest snapshot of this device
 * </pre>
 */
public record DeviceDetails(
    long mappedBlocks, long transactionId, long creationTime, long snapshottedTime) {
  public static final int SIZE_BYTES = 24;

  public DeviceDetails {
    if (mappedBlocks < 0 || creationTime < 0 || creationTime > 0xFFFFFFFFL
        || snapshottedTime < 0 || snapshottedTime > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("bad device details " + mappedBlocks + "/"
          + creationTime + "/" + snapshottedTime);
    }
  }

  DeviceDetails withMappedBlocks(long n) {
    return new DeviceDetails(n, transactionId, creationTime, snapshottedTime);
  }

  DeviceDetails withSnapshottedTime(long t) {
    return new DeviceDetails(mappedBlocks, transactionId, creationTime, t);
  }
}

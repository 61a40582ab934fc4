package org.thinpool.thin;

import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;

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
  private static final int OFFSET_MAPPED_BLOCKS = 0;
  private static final int OFFSET_TRANSACTION_ID = 8;
  private static final int OFFSET_CREATION_TIME = 16;
  private static final int OFFSET_SNAPSHOTTED_TIME = 20;

  public DeviceDetails {
    if (mappedBlocks < 0
        || creationTime < 0
        || creationTime > 0xFFFFFFFFL
        || snapshottedTime < 0
        || snapshottedTime > 0xFFFFFFFFL) {
      throw new IllegalArgumentException(
          "bad device details " + mappedBlocks + "/" + creationTime + "/" + snapshottedTime);
    }
  }

  static DeviceDetails decode(ReadBlock b, int offset) {
    return new DeviceDetails(
        b.u64(offset + OFFSET_MAPPED_BLOCKS),
        b.u64(offset + OFFSET_TRANSACTION_ID),
        b.u32(offset + OFFSET_CREATION_TIME),
        b.u32(offset + OFFSET_SNAPSHOTTED_TIME));
  }

  void encode(WriteBlock b, int offset) {
    b.putU64(offset + OFFSET_MAPPED_BLOCKS, mappedBlocks);
    b.putU64(offset + OFFSET_TRANSACTION_ID, transactionId);
    b.putU32(offset + OFFSET_CREATION_TIME, creationTime);
    b.putU32(offset + OFFSET_SNAPSHOTTED_TIME, snapshottedTime);
  }

  DeviceDetails withMappedBlocks(long n) {
    return new DeviceDetails(n, transactionId, creationTime, snapshottedTime);
  }

  DeviceDetails withSnapshottedTime(long t) {
    return new DeviceDetails(mappedBlocks, transactionId, creationTime, t);
  }
}

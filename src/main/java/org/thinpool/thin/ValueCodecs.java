package org.thinpool.thin;

import org.thinpool.meta.block.ReadBlock;
import org.thinpool.meta.block.WriteBlock;
import org.thinpool.meta.btree.BTree;
import org.thinpool.meta.btree.ValueType;
import org.thinpool.meta.btree.ValueTypes;
import org.thinpool.meta.tx.SpaceMap;
import org.thinpool.meta.tx.TransactionManager;

/** The value types of the thin trees and what a reference held by each value means. */
public final class ValueCodecs {
  private ValueCodecs() {}

  /** Device-tree leaf value: block_time; each value holds one reference to its data block. */
  static ValueType<Long> blockTime(SpaceMap dataSpaceMap) {
    return ValueTypes.u64(
        v -> dataSpaceMap.inc(Mapping.dataBlockOf(v)),
        v -> dataSpaceMap.dec(Mapping.dataBlockOf(v)),
        Mapping.TIME_BITS);
  }

  /** Top-level leaf value: a device tree's root; dropping the value drops that tree. */
  static ValueType<Long> subtreeRoot(TransactionManager tm, BTree<Long> deviceTree) {
    return ValueTypes.u64(tm::inc, deviceTree::delete, 0);
  }

  public static final ValueType<DeviceDetails> DETAILS =
      new ValueType<>() {
        @Override
        public int sizeBytes() {
          return DeviceDetails.SIZE_BYTES;
        }

        @Override
        public DeviceDetails decode(ReadBlock node, int offset) {
          return DeviceDetails.decode(node, offset);
        }

        @Override
        public void encode(WriteBlock node, int offset, DeviceDetails v) {
          v.encode(node, offset);
        }
      };
}

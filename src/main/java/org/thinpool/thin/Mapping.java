package org.thinpool.thin;

/**
 * One provisioned virtual block: the data block it lives in and the pool time it was written at. On
 * disk a u64 block_time: data block in the high 40 bits, time in the low 24 (spec 3.4).
 */
public record Mapping(long dataBlock, long time) {
  /** The low bits of a block_time that hold the time. */
  public static final int TIME_BITS = 24;

  public static final long MAX_TIME = (1L << TIME_BITS) - 1;
  public static final long MAX_DATA_BLOCK = (1L << 40) - 1;

  public Mapping {
    if (dataBlock < 0 || dataBlock > MAX_DATA_BLOCK || time < 0 || time > MAX_TIME) {
      throw new IllegalArgumentException("bad mapping " + dataBlock + "@" + time);
    }
  }

  public static Mapping unpack(long blockTime) {
    return new Mapping(dataBlockOf(blockTime), blockTime & MAX_TIME);
  }

  /** The data block of a packed block_time, without making a Mapping. */
  public static long dataBlockOf(long blockTime) {
    return blockTime >>> TIME_BITS;
  }

  /** The time of a packed block_time, without making a Mapping. */
  public static long timeOf(long blockTime) {
    return blockTime & MAX_TIME;
  }

  public long pack() {
    return (dataBlock << TIME_BITS) | time;
  }
}

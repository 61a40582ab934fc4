package org.thinpool.thin;

/**
 * One provisioned virtual block: the data block it lives in and the pool time it was written
 * at. On disk a u64 block_time: data block in the high 40 bits, time in the low 24 (spec 3.4).
 */
public record Mapping(long dataBlock, long time) {
  public static final long MAX_TIME = 0xFFFFFF;
  public static final long MAX_DATA_BLOCK = (1L << 40) - 1;

  public Mapping {
    if (dataBlock < 0 || dataBlock > MAX_DATA_BLOCK || time < 0 || time > MAX_TIME) {
      throw new IllegalArgumentException("bad mapping " + dataBlock + "@" + time);
    }
  }

  public static Mapping unpack(long blockTime) {
    return new Mapping(blockTime >>> 24, blockTime & MAX_TIME);
  }

  public long pack() {
    return (dataBlock << 24) | time;
  }
}

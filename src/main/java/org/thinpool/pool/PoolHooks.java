package org.thinpool.pool;

import java.io.IOException;
import java.nio.file.Path;
import org.thinpool.io.BlockDevice;

/**
 * What the open and create paths let tests replace, and nothing else: the clock of the space
 * policy, a wrapper put around the metadata device and around the data device as soon as each is
 * opened (fault injection under the whole pool), and the data area's measured fill choices.
 * Production code uses {@link #NONE}.
 */
record PoolHooks(
    PoolClock clock, DeviceWrapper metadata, DeviceWrapper data, DataArea.Tuning dataTuning) {
  /** Wraps one opened device; the wrapper owns it from then on (closing it closes the device). */
  @FunctionalInterface
  interface DeviceWrapper {
    BlockDevice wrap(Path path, BlockDevice device) throws IOException;
  }

  static final DeviceWrapper AS_IS = (path, device) -> device;

  static final PoolHooks NONE =
      new PoolHooks(PoolClock.SYSTEM, AS_IS, AS_IS, DataArea.Tuning.DEFAULT);

  PoolHooks {
    if (clock == null || metadata == null || data == null || dataTuning == null) {
      throw new AssertionError("a pool hook is null");
    }
  }

  PoolHooks withClock(PoolClock c) {
    return new PoolHooks(c, metadata, data, dataTuning);
  }

  PoolHooks withDevices(DeviceWrapper metadataWrapper, DeviceWrapper dataWrapper) {
    return new PoolHooks(clock, metadataWrapper, dataWrapper, dataTuning);
  }

  /** How the data area fills new blocks (benchmarks compare the choices). */
  PoolHooks withDataTuning(DataArea.Tuning tuning) {
    return new PoolHooks(clock, metadata, data, tuning);
  }
}

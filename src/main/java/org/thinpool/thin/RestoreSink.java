package org.thinpool.thin;

import java.io.IOException;

/**
 * Receives the logical content of a pool's metadata as a stream: what {@code thin_dump} prints and
 * {@code thin_restore} reads.
 *
 * <p>Callers drive a sink with exactly this grammar, and implementations may treat any other order
 * as a programmer error ({@link AssertionError}):
 *
 * <pre>
 * superblock ( beginDevice mapping* endDevice )* end
 * </pre>
 *
 * <p>Within one device, {@link #mapping} is called once per mapped block, in strictly ascending
 * order of origin block; a {@code range_mapping} of length {@code n} arrives as {@code n} calls.
 * Devices may arrive in any order, but each dev id at most once. Values are not checked against
 * dm-thin's on-disk limits here (a 24-bit mapping time, data blocks below {@code nr_data_blocks}):
 * that is the job of the metadata engine that stores them.
 *
 * <p>Every callback may fail with an {@link IOException}, which the driver passes on unchanged.
 */
public interface RestoreSink {

  /** The pool-wide values; called first, exactly once. */
  void superblock(SuperblockInfo sb) throws IOException;

  /** Opens device {@code d}; the mappings that follow belong to it. */
  void beginDevice(DeviceInfo d) throws IOException;

  /**
   * One mapped block of the open device: virtual block {@code originBlock} of the thin device is
   * stored in data block {@code dataBlock}, written at pool time {@code time}.
   */
  void mapping(long originBlock, long dataBlock, long time) throws IOException;

  /** Closes the device opened by the last {@link #beginDevice}. */
  void endDevice() throws IOException;

  /** The stream is complete; called last, exactly once. */
  void end() throws IOException;
}

package org.thinpool.snapshotter;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Exposes thin devices as regular files, for mounts of the form {@code {type: ext4, source: FILE,
 * options: [loop, ...]}}.
 *
 * <p>Contract: {@link #expose} is idempotent and returns a file that reads and writes the device's
 * bytes (its size is the device's) and stays valid until {@link #release}; {@link #release} of a
 * device not exposed does nothing; {@link #inUse} is true while someone holds the file open (a loop
 * device attached to it), so a device in use is never deleted under its user. Thread-safe.
 */
public interface DeviceFiles extends AutoCloseable {
  /** The file that exposes device {@code deviceId}, exposing it first if needed. */
  Path expose(long deviceId) throws IOException;

  /** Stops exposing the device (it is about to be deleted, or no longer needs a file). */
  void release(long deviceId) throws IOException;

  /** Whether the exposed file of the device is open by someone. */
  boolean inUse(long deviceId);

  /** Releases every device. */
  @Override
  void close() throws IOException;
}

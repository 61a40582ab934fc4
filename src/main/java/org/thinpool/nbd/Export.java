package org.thinpool.nbd;

import org.thinpool.pool.ThinDevice;

/**
 * One export: a thin device under its canonical name (the thin id in decimal).
 *
 * @param name the canonical name
 * @param device the thin device
 * @param readOnly writes, trims and write-zeroes are refused with EPERM
 * @param preferredBlockBytes the pool's data block size: smaller writes may copy or zero a block
 */
public record Export(String name, ThinDevice device, boolean readOnly, int preferredBlockBytes) {
  public long thinId() {
    return device.id();
  }

  String description() {
    return "thin device " + device.id() + (readOnly ? " (read-only)" : "");
  }
}

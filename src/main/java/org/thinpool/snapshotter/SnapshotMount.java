package org.thinpool.snapshotter;

import java.util.List;
import java.util.Objects;

/**
 * One mount as containerd's {@code types.Mount}: {@code {type: ext4, source: FILE, options: [loop,
 * rw]}}; containerd attaches the loop device itself when the options name {@code loop}.
 */
public record SnapshotMount(String type, String source, List<String> options) {
  public SnapshotMount {
    Objects.requireNonNull(type);
    Objects.requireNonNull(source);
    options = List.copyOf(options);
  }
}

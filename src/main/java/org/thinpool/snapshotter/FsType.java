package org.thinpool.snapshotter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The base device's file system, made once; every layer and container is a thin snapshot of it, so
 * no snapshot is ever formatted (containerd's devmapper runs mkfs per snapshot).
 */
public enum FsType {
  /**
   * ext4 with lazy inode-table and journal init: a thin device reads zeros where nothing was
   * written, which is what the kernel's lazy init would write, and {@code noinit_itable} keeps the
   * kernel from writing them anyway into every snapshot.
   */
  EXT4("ext4"),
  /** xfs: every snapshot carries the base's UUID, so every mount says {@code nouuid}. */
  XFS("xfs");

  private final String type;

  FsType(String type) {
    this.type = type;
  }

  /** The mount type and the name of {@code --fs}. */
  public String type() {
    return type;
  }

  public static FsType of(String name) {
    for (FsType t : values()) {
      if (t.type.equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown file system " + name + " (ext4 or xfs)");
  }

  /** The mkfs command line for {@code file}; nothing is discarded (a new thin device is empty). */
  List<String> mkfs(Path file) {
    return switch (this) {
      case EXT4 ->
          List.of(
              "mkfs.ext4",
              "-q",
              "-F",
              "-E",
              "nodiscard,lazy_itable_init=1,lazy_journal_init=1",
              file.toString());
      case XFS -> List.of("mkfs.xfs", "-q", "-f", "-K", file.toString());
    };
  }

  /**
   * The options of a mount of a snapshot: writable ones pass discards down and keep no access times
   * (an atime update is an inode-table write: a 64 KiB block copied from the parent layer on the
   * first read of a file, and a journal commit with its flushes at unmount, for a time no container
   * tool reads); read-only ones (views) skip journal recovery, since the layer may have been
   * committed while its file system was still mounted and a read-only loop device cannot replay it.
   */
  List<String> mountOptions(boolean readOnly) {
    List<String> o = new ArrayList<>(List.of("loop", readOnly ? "ro" : "rw"));
    if (!readOnly) {
      o.add("noatime");
    }
    switch (this) {
      case EXT4 -> {
        if (readOnly) {
          o.add("noload");
        } else {
          o.add("discard");
          o.add("noinit_itable");
        }
      }
      case XFS -> {
        o.add("nouuid");
        o.add(readOnly ? "norecovery" : "discard");
      }
    }
    return o;
  }
}

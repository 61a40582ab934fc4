package org.thinpool.pool;

import java.util.Locale;

/** What a discard does, named as LVM names the thin-pool discard modes. */
public enum DiscardMode {
  /** Unmap, free unshared blocks in the pool, and punch holes in the data file. */
  PASSDOWN,
  /** Unmap and free in the pool; the data file keeps its allocated size. */
  NOPASSDOWN,
  /** Discards do nothing. */
  IGNORE;

  /** The LVM spelling: passdown, nopassdown, ignore. */
  public String lvmName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the LVM spelling. */
  public static DiscardMode parse(String s) {
    for (DiscardMode m : values()) {
      if (m.lvmName().equals(s)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "discard mode must be passdown, nopassdown or ignore, not '" + s + "'");
  }
}

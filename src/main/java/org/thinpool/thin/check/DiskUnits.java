package org.thinpool.thin.check;

/**
 * The human sizes of thin_ls 0.9.0 ({@code base::format_disk_unit}), reproduced exactly.
 *
 * <p>Rule, on the byte count {@code n} as an unsigned 64-bit number:
 *
 * <pre>
 * 1. while n &gt; 1 MiB (1048576): n = n / 1024, truncating; unit += 1
 * 2. if n &gt; 8192:                n = round(n / 1024), halves away from zero; unit += 1
 * 3. print n, then the unit:  "" KiB MiB GiB TiB PiB (EiB)
 * </pre>
 *
 * <p>So 8192 bytes stay {@code 8192}, 8704 become {@code 9KiB}, 1 MiB is {@code 1024KiB}, 37.5 MiB
 * is {@code 38MiB}, but 1024.5 KiB is {@code 1024KiB} (the truncating step comes first), 8 GiB is
 * {@code 8192MiB} and 8193 GiB is {@code 8TiB}. Above 8192 PiB 0.9.0 indexes past its table (it
 * crashed in experiments, on a wrapped SHARED count); this class prints {@code EiB} there.
 */
final class DiskUnits {
  private static final String[] UNITS = {"", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  private static final long ONE_MIB = 1L << 20;
  private static final long KEEP_SMALLER_UNIT_UP_TO = 8192;

  private DiskUnits() {}

  /** Formats {@code bytes}, read as unsigned, the way thin_ls prints MAPPED, EXCLUSIVE, SHARED. */
  static String format(long bytes) {
    long n = bytes;
    int unit = 0;
    while (Long.compareUnsigned(n, ONE_MIB) > 0) {
      n = Long.divideUnsigned(n, 1024);
      unit++;
    }
    if (n > KEEP_SMALLER_UNIT_UP_TO) {
      n = (n + 512) / 1024;
      unit++;
    }
    return n + UNITS[unit];
  }
}

package org.thinpool.cli;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Sizes as {@code docker info} printed them for devicemapper (Go's {@code units.HumanSize}):
 * decimal units (kB = 1000 bytes), four significant digits, trailing zeros dropped: {@code
 * 65.54kB}, {@code 10.74GB}, {@code 0B}. So the figures read like the ones devicemapper's users
 * know.
 */
final class HumanSize {
  private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  private static final MathContext FOUR_DIGITS = new MathContext(4, RoundingMode.HALF_EVEN);

  private HumanSize() {}

  static String of(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("negative size " + bytes);
    }
    BigDecimal v = BigDecimal.valueOf(bytes);
    BigDecimal thousand = BigDecimal.valueOf(1000);
    int unit = 0;
    while (v.compareTo(thousand) >= 0 && unit < UNITS.length - 1) {
      v = v.divide(thousand);
      unit++;
    }
    BigDecimal rounded = v.round(FOUR_DIGITS);
    if (rounded.compareTo(thousand) >= 0 && unit < UNITS.length - 1) {
      rounded = rounded.divide(thousand).round(FOUR_DIGITS); // 999.96kB rounds to 1MB
      unit++;
    }
    return rounded.stripTrailingZeros().toPlainString() + UNITS[unit];
  }
}

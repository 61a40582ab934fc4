package org.thinpool.thin.check;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.thinpool.thin.SuperblockInfo;

/**
 * The columns of {@code thin_ls -o}; the header of each column is the constant's name.
 *
 * <pre>
 * field                 value
 * DEV                   dev id
 * *_BLOCKS              blocks (MAPPED from the details, EXCLUSIVE counted, SHARED the rest)
 * *_SECTORS             blocks x data_block_size
 * *_BYTES               sectors x 512
 * MAPPED/EXCLUSIVE/SHARED  bytes in thin_ls's human units: 0, 8192, 9KiB, 1024KiB, 38MiB
 * TRANSACTION, CREATE_TIME, SNAP_TIME   details fields
 * SIZE, SIZE_SECTORS, SIZE_BYTES         the virtual size (thinpool's own; not metadata,
 *                                        so "-" when unknown, as for a bare metadata file)
 * </pre>
 *
 * Products wrap as unsigned 64-bit numbers, as in the C++ tool.
 */
public enum ThinLsField {
  DEV,
  MAPPED_BLOCKS,
  EXCLUSIVE_BLOCKS,
  SHARED_BLOCKS,
  MAPPED_SECTORS,
  EXCLUSIVE_SECTORS,
  SHARED_SECTORS,
  MAPPED_BYTES,
  EXCLUSIVE_BYTES,
  SHARED_BYTES,
  MAPPED,
  EXCLUSIVE,
  SHARED,
  TRANSACTION,
  CREATE_TIME,
  SNAP_TIME,
  SIZE,
  SIZE_SECTORS,
  SIZE_BYTES;

  /** The columns of {@code thin_ls FILE} without {@code -o}. */
  public static final List<ThinLsField> DEFAULT = List.of(DEV, MAPPED, CREATE_TIME, SNAP_TIME);

  /** All 16 columns of thin_ls, in the order of the golden {@code *.ls.txt} files. */
  public static final List<ThinLsField> ALL = List.of(values()).subList(0, 16);

  /** Printed for a size the report does not know. */
  private static final String UNKNOWN = "-";

  /**
   * Parses a {@code -o} argument such as {@code "DEV,MAPPED"}; repeated fields are kept.
   *
   * @throws IllegalArgumentException naming the first unknown field
   */
  public static List<ThinLsField> parseList(String commaSeparated) {
    List<ThinLsField> fields = new ArrayList<>();
    for (String name : commaSeparated.split(",", -1)) {
      try {
        fields.add(valueOf(name));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown field: " + name, e);
      }
    }
    return List.copyOf(fields);
  }

  /** This column's cell for {@code row}. */
  String cell(ThinLsRow row, long dataBlockSizeSectors) {
    long s = dataBlockSizeSectors;
    return switch (this) {
      case DEV -> Long.toString(row.devId());
      case MAPPED_BLOCKS -> Long.toString(row.mappedBlocks());
      case EXCLUSIVE_BLOCKS -> Long.toString(row.exclusiveBlocks());
      case SHARED_BLOCKS -> Long.toString(row.sharedBlocks());
      case MAPPED_SECTORS -> Long.toUnsignedString(row.mappedBlocks() * s);
      case EXCLUSIVE_SECTORS -> Long.toUnsignedString(row.exclusiveBlocks() * s);
      case SHARED_SECTORS -> Long.toUnsignedString(row.sharedBlocks() * s);
      case MAPPED_BYTES ->
          Long.toUnsignedString(row.mappedBlocks() * s * SuperblockInfo.SECTOR_BYTES);
      case EXCLUSIVE_BYTES ->
          Long.toUnsignedString(row.exclusiveBlocks() * s * SuperblockInfo.SECTOR_BYTES);
      case SHARED_BYTES ->
          Long.toUnsignedString(row.sharedBlocks() * s * SuperblockInfo.SECTOR_BYTES);
      case MAPPED -> DiskUnits.format(row.mappedBlocks() * s * SuperblockInfo.SECTOR_BYTES);
      case EXCLUSIVE -> DiskUnits.format(row.exclusiveBlocks() * s * SuperblockInfo.SECTOR_BYTES);
      case SHARED -> DiskUnits.format(row.sharedBlocks() * s * SuperblockInfo.SECTOR_BYTES);
      case TRANSACTION -> Long.toString(row.transactionId());
      case CREATE_TIME -> Long.toString(row.creationTime());
      case SNAP_TIME -> Long.toString(row.snapTime());
      case SIZE -> size(row, DiskUnits::format);
      case SIZE_SECTORS -> size(row, b -> Long.toString(b / SuperblockInfo.SECTOR_BYTES));
      case SIZE_BYTES -> size(row, Long::toString);
    };
  }

  private static String size(ThinLsRow row, LongFunction<String> format) {
    return row.sizeBytes().isPresent() ? format.apply(row.sizeBytes().getAsLong()) : UNKNOWN;
  }
}

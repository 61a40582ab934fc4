package org.thinpool.thin.check;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import org.thinpool.thin.DeviceInfo;
import org.thinpool.thin.RestoreSink;
import org.thinpool.thin.SuperblockInfo;

/**
 * Computes what {@code thin_ls} 0.9.0 prints, in two passes over all mappings.
 *
 * <ol>
 *   <li>Counting pass: {@link #countMapping} once for every mapping of every device. Like thin_ls,
 *       this counts mappings, not devices: a data block that one device maps twice is shared.
 *   <li>Classifying pass, per device: {@link #beginDevice}, {@link #classifyMapping} for each of
 *       its mappings, {@link #endDevice}. A mapping is exclusive if its data block was counted
 *       once, else shared. Calling {@link #countMapping} after the first {@link #beginDevice} is a
 *       programmer error.
 * </ol>
 *
 * <p>As in thin_ls 0.9.0, the mapped count of a row is the details' {@code mapped_blocks} (not the
 * number of mappings walked), and shared is mapped minus exclusive; where inconsistent details make
 * that negative (0.9.0 prints a wrapped u64) the row says 0. Memory: two bits per data block (in
 * pages allocated on first use) plus one row per device. Rows come out in ascending dev id.
 *
 * <p>Text format ({@link #text}): every cell is right-aligned to the widest cell of its column
 * (headers included when printed) and followed by one space; every line ends with {@code \n}.
 */
public final class ThinLsReport {
  private final long dataBlockSizeSectors;
  private final DataBlockCounter counter;
  private final List<ThinLsRow> rows = new ArrayList<>();
  private final Set<Long> devIds = new HashSet<>();

  private boolean classifying;
  private DeviceInfo openDevice;
  private OptionalLong openSizeBytes;
  private long openExclusive;

  /**
   * @param dataBlockSizeSectors the superblock's data block size, for the sector and byte columns
   * @param nrDataBlocks the data space map's size; larger data blocks are accepted too
   */
  public ThinLsReport(long dataBlockSizeSectors, long nrDataBlocks) {
    SuperblockInfo.requireU32("dataBlockSizeSectors", dataBlockSizeSectors);
    SuperblockInfo.requireNonNegative("nrDataBlocks", nrDataBlocks);
    this.dataBlockSizeSectors = dataBlockSizeSectors;
    this.counter = new DataBlockCounter(nrDataBlocks);
  }

  /** A report sized from {@code sb}. */
  public static ThinLsReport of(SuperblockInfo sb) {
    return new ThinLsReport(sb.dataBlockSizeSectors(), sb.nrDataBlocks());
  }

  /** Counting pass: one mapping, of any device, points at {@code dataBlock}. */
  public void countMapping(long dataBlock) {
    if (classifying) {
      throw new AssertionError("countMapping after the classifying pass began");
    }
    counter.inc(dataBlock);
  }

  /** Classifying pass: opens {@code device}, whose virtual size is not known. */
  public void beginDevice(DeviceInfo device) {
    beginDevice(device, OptionalLong.empty());
  }

  /** Classifying pass: opens {@code device}, whose virtual size is {@code sizeBytes} if known. */
  public void beginDevice(DeviceInfo device, OptionalLong sizeBytes) {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(sizeBytes, "sizeBytes");
    if (openDevice != null || !devIds.add(device.devId())) {
      throw new AssertionError("beginDevice " + device.devId() + " while open or seen before");
    }
    classifying = true;
    openDevice = device;
    openSizeBytes = sizeBytes;
    openExclusive = 0;
  }

  /** Classifying pass: one mapping of the open device points at {@code dataBlock}. */
  public void classifyMapping(long dataBlock) {
    if (openDevice == null) {
      throw new AssertionError("classifyMapping outside a device");
    }
    if (counter.count(dataBlock) == 1) {
      openExclusive++;
    }
  }

  /** Classifying pass: closes the open device and records its row. */
  public void endDevice() {
    if (openDevice == null) {
      throw new AssertionError("endDevice without beginDevice");
    }
    DeviceInfo d = openDevice;
    long shared = Math.max(0, d.mappedBlocks() - openExclusive);
    rows.add(
        new ThinLsRow(
            d.devId(),
            d.mappedBlocks(),
            openExclusive,
            shared,
            d.transactionId(),
            d.creationTime(),
            d.snapTime(),
            openSizeBytes));
    openDevice = null;
  }

  /** A sink that feeds every mapping it receives to the counting pass. */
  public RestoreSink countingPass() {
    return new PassSink() {
      @Override
      public void mapping(long originBlock, long dataBlock, long time) {
        countMapping(dataBlock);
      }
    };
  }

  /** A sink that runs the classifying pass on every device it receives (sizes unknown). */
  public RestoreSink classifyingPass() {
    return classifyingPass(Map.of());
  }

  /**
   * A sink that runs the classifying pass on every device it receives, with the virtual sizes in
   * bytes that {@code sizesBytes} knows (the others unknown).
   */
  public RestoreSink classifyingPass(Map<Long, Long> sizesBytes) {
    return new PassSink() {
      @Override
      public void beginDevice(DeviceInfo d) {
        Long size = sizesBytes.get(d.devId());
        ThinLsReport.this.beginDevice(
            d, size == null ? OptionalLong.empty() : OptionalLong.of(size));
      }

      @Override
      public void mapping(long originBlock, long dataBlock, long time) {
        classifyMapping(dataBlock);
      }

      @Override
      public void endDevice() {
        ThinLsReport.this.endDevice();
      }
    };
  }

  /** The rows of the closed devices, in ascending dev id. */
  public List<ThinLsRow> rows() {
    return rows.stream().sorted(Comparator.comparingLong(ThinLsRow::devId)).toList();
  }

  /**
   * The text of {@code thin_ls -o FIELDS} ({@code --no-headers} when {@code headers} is false),
   * byte for byte; with {@link ThinLsField#DEFAULT}, that of plain {@code thin_ls}.
   */
  public String text(List<ThinLsField> fields, boolean headers) {
    List<String[]> grid = new ArrayList<>();
    if (headers) {
      grid.add(fields.stream().map(Enum::name).toArray(String[]::new));
    }
    for (ThinLsRow row : rows()) {
      grid.add(fields.stream().map(f -> f.cell(row, dataBlockSizeSectors)).toArray(String[]::new));
    }
    int[] widths = new int[fields.size()];
    for (String[] line : grid) {
      for (int i = 0; i < line.length; i++) {
        widths[i] = Math.max(widths[i], line[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] line : grid) {
      for (int i = 0; i < line.length; i++) {
        out.repeat(' ', widths[i] - line[i].length()).append(line[i]).append(' ');
      }
      out.append('\n');
    }
    return out.toString();
  }

  /**
   * The rows as a JSON array, one object per line, keys in this order: {@code id}, {@code size}
   * (bytes, or {@code null} if unknown), {@code mapped_blocks}, {@code exclusive_blocks}, {@code
   * shared_blocks}, {@code transaction}, {@code creation_time}, {@code snap_time}.
   */
  public String json() {
    List<ThinLsRow> sorted = rows();
    if (sorted.isEmpty()) {
      return "[]\n";
    }
    StringBuilder out = new StringBuilder("[\n");
    for (int i = 0; i < sorted.size(); i++) {
      ThinLsRow r = sorted.get(i);
      out.append("  {\"id\": ").append(r.devId());
      out.append(", \"size\": ");
      if (r.sizeBytes().isPresent()) {
        out.append(r.sizeBytes().getAsLong());
      } else {
        out.append("null");
      }
      out.append(", \"mapped_blocks\": ").append(r.mappedBlocks());
      out.append(", \"exclusive_blocks\": ").append(r.exclusiveBlocks());
      out.append(", \"shared_blocks\": ").append(r.sharedBlocks());
      out.append(", \"transaction\": ").append(r.transactionId());
      out.append(", \"creation_time\": ").append(r.creationTime());
      out.append(", \"snap_time\": ").append(r.snapTime());
      out.append(i + 1 < sorted.size() ? "},\n" : "}\n");
    }
    return out.append("]\n").toString();
  }

  /** A sink that ignores everything; the passes override what they need. */
  private abstract static class PassSink implements RestoreSink {
    @Override
    public void superblock(SuperblockInfo sb) throws IOException {}

    @Override
    public void beginDevice(DeviceInfo d) throws IOException {}

    @Override
    public void endDevice() throws IOException {}

    @Override
    public void end() throws IOException {}
  }
}

package org.thinpool.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code thinpool info}: the pool as {@code docker info} showed its devicemapper driver (same field
 * names, same order, Docker's size units), then every thin device's exclusive and shared space,
 * with the snapshot it holds when a containerd snapshotter serves the pool.
 */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description =
        "Show the pool like docker info's devicemapper section (block size, base device, data and"
            + " metadata space used/total/available, minimum free space, deferred removal) and"
            + " each device's exclusive and shared space.")
final class InfoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "JSON output (docs/cli-json.md).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PoolInfo info;
    try (ThinPool pool = Main.openPool(spec)) {
      info = PoolInfo.of(pool, Main.snapshots(spec));
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? json(info) : text(info));
    out.flush();
    return ExitCodes.OK;
  }

  static String text(PoolInfo i) {
    StringBuilder s = new StringBuilder();
    line(s, "Pool Name", i.pool().toString());
    line(s, "Pool Blocksize", HumanSize.of(i.blockSizeBytes()));
    line(s, "Base Device Size", i.baseDeviceSizeBytes().stream().mapToObj(HumanSize::of).findAny());
    line(s, "Backing Filesystem", i.backingFilesystem());
    line(s, "Data file", i.dataFile().toString());
    line(s, "Metadata file", i.metadataFile().toString());
    line(s, "Data Space Used", HumanSize.of(i.dataUsedBytes()));
    line(s, "Data Space Total", HumanSize.of(i.dataTotalBytes()));
    line(s, "Data Space Available", HumanSize.of(i.dataAvailableBytes()));
    line(s, "Metadata Space Used", HumanSize.of(i.metadataUsedBytes()));
    line(s, "Metadata Space Total", HumanSize.of(i.metadataTotalBytes()));
    line(s, "Metadata Space Available", HumanSize.of(i.metadataAvailableBytes()));
    line(s, "Thin Pool Minimum Free Space", HumanSize.of(i.minFreeSpaceBytes()));
    line(s, "Deferred Removal Enabled", Boolean.toString(i.deferredRemoval()));
    line(s, "Deferred Deletion Enabled", Boolean.toString(i.deferredRemoval()));
    line(s, "Deferred Deleted Device Count", Long.toString(i.deferredDeletedDeviceCount()));
    s.append("Devices:\n");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"DEVICE", "SIZE", "EXCLUSIVE", "SHARED", "KIND", "SNAPSHOT"});
    for (PoolInfo.Device d : i.devices()) {
      rows.add(
          new String[] {
            Long.toString(d.id()),
            HumanSize.of(d.sizeBytes()),
            HumanSize.of(d.exclusiveBytes()),
            HumanSize.of(d.sharedBytes()),
            d.kind().orElse("-"),
            d.snapshot().orElse("-")
          });
    }
    table(s, rows);
    return s.toString();
  }

  private static void line(StringBuilder s, String name, Optional<String> value) {
    line(s, name, value.orElse("-"));
  }

  private static void line(StringBuilder s, String name, String value) {
    s.append(name).append(": ").append(value).append('\n');
  }

  /** Left-aligned columns, two spaces apart, indented like docker info's nested lines. */
  private static void table(StringBuilder s, List<String[]> rows) {
    int[] width = new int[rows.getFirst().length];
    for (String[] r : rows) {
      for (int c = 0; c < r.length; c++) {
        width[c] = Math.max(width[c], r[c].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder l = new StringBuilder();
      for (int c = 0; c < r.length; c++) {
        l.append("  ").append(r[c]).append(" ".repeat(width[c] - r[c].length()));
      }
      s.append(l.toString().stripTrailing()).append('\n');
    }
  }

  static String json(PoolInfo i) {
    List<JsonOutput> devices = new ArrayList<>();
    for (PoolInfo.Device d : i.devices()) {
      JsonOutput o =
          JsonOutput.nested()
              .put("id", d.id())
              .put("size", d.sizeBytes())
              .put("exclusive", d.exclusiveBytes())
              .put("shared", d.sharedBytes());
      optional(o, "snapshot", d.snapshot());
      optional(o, "kind", d.kind());
      optional(o, "parent", d.parent());
      devices.add(o);
    }
    JsonOutput doc = JsonOutput.document().put("pool", i.pool().toString());
    doc.put("block_size", i.blockSizeBytes());
    if (i.baseDeviceSizeBytes().isPresent()) {
      doc.put("base_device_size", i.baseDeviceSizeBytes().getAsLong());
    } else {
      doc.putNull("base_device_size");
    }
    optional(doc, "backing_filesystem", i.backingFilesystem());
    return doc.put("data_file", i.dataFile().toString())
        .put("metadata_file", i.metadataFile().toString())
        .put("data_space_used", i.dataUsedBytes())
        .put("data_space_total", i.dataTotalBytes())
        .put("data_space_available", i.dataAvailableBytes())
        .put("metadata_space_used", i.metadataUsedBytes())
        .put("metadata_space_total", i.metadataTotalBytes())
        .put("metadata_space_available", i.metadataAvailableBytes())
        .put("min_free_space", i.minFreeSpaceBytes())
        .put("min_free_space_percent", i.minFreeSpacePercent())
        .put("deferred_removal_enabled", i.deferredRemoval())
        .put("deferred_deleted_device_count", i.deferredDeletedDeviceCount())
        .put("devices", devices)
        .render();
  }

  private static void optional(JsonOutput o, String key, Optional<String> value) {
    if (value.isPresent()) {
      o.put(key, value.get());
    } else {
      o.putNull(key);
    }
  }
}

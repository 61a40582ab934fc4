package org.thinpool.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.thinpool.pool.PoolStateException;
import org.thinpool.pool.ThinPool;
import org.thinpool.thin.MetadataDumper;
import org.thinpool.thin.ThinMetadata;
import org.thinpool.thin.check.ThinLsField;
import org.thinpool.thin.check.ThinLsReport;
import org.thinpool.thin.check.ThinLsRow;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code thinpool thin ls}: per device mapped, exclusive and shared blocks, like thin_ls (every
 * thin_ls field and option), and the virtual size from the pool's sizes file (field SIZE, in the
 * default columns too). Reads the committed metadata read-only under a reader's lock, so it works
 * on a bare metadata file; a pool another process has open for writing is refused (its metadata
 * changes under a reader). Its model is built in code ({@link CodedModel}): it is the command
 * scripts run most.
 */
final class ThinLsCommand implements Callable<Integer> {
  private CommandSpec spec;

  /** The columns without {@code -o}: thin_ls's, with the virtual size second. */
  static final String DEFAULT_FIELDS =
      "DEV,SIZE,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS,"
          + "MAPPED,EXCLUSIVE,SHARED,TRANSACTION,CREATE_TIME,SNAP_TIME";

  private boolean json;
  private String fields;
  private boolean metadataSnap;
  private boolean noHeaders;

  /** The model of a new {@code thin ls}: built in code, see {@link CodedModel}. */
  static CommandSpec model() {
    ThinLsCommand c = new ThinLsCommand();
    c.spec =
        CodedModel.command(
            c,
            "ls",
            "List thin devices with size, mapped, exclusive and shared blocks (like thin_ls).",
            CodedModel.flag(
                new String[] {"--json"},
                "JSON output (docs/cli-json.md): version, devices[] with id, size, "
                    + "mapped_blocks, exclusive_blocks, shared_blocks, ...",
                () -> c.json,
                v -> c.json = v),
            CodedModel.option(
                    new String[] {"-o", "--format"},
                    String.class,
                    "Comma-separated fields: thin_ls's DEV, {MAPPED,EXCLUSIVE,SHARED}_BLOCKS, "
                        + "_SECTORS, _BYTES and MAPPED, EXCLUSIVE, SHARED (human units), "
                        + "TRANSACTION, CREATE_TIME, SNAP_TIME; and SIZE, SIZE_SECTORS, SIZE_BYTES "
                        + "(virtual size, '-' if unknown). Default: "
                        + DEFAULT_FIELDS
                        + ".",
                    () -> c.fields,
                    v -> c.fields = v)
                .paramLabel("FIELDS")
                .build(),
            CodedModel.flag(
                new String[] {"-m", "--metadata-snap"},
                "List the devices of the metadata snapshot (sizes unknown).",
                () -> c.metadataSnap,
                v -> c.metadataSnap = v),
            CodedModel.flag(
                new String[] {"--no-headers"},
                "Omit the header line.",
                () -> c.noHeaders,
                v -> c.noHeaders = v));
    return c.spec;
  }

  private PoolOption pool() {
    return Main.pool(spec);
  }

  @Override
  public Integer call() throws Exception {
    List<ThinLsField> columns = columns();
    ThinLsReport report = pool().readMetadata(this::report);
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? json(report) : report.text(columns, !noHeaders));
    out.flush();
    return ExitCodes.OK;
  }

  private ThinLsReport report(ThinMetadata md) throws IOException {
    ThinLsReport report = new ThinLsReport(md.dataBlockSizeSectors(), md.dataSpaceMap().nrBlocks());
    if (metadataSnap) {
      long snap = md.metadataSnap();
      if (snap == 0) {
        throw new PoolStateException("pool " + pool().dir() + " holds no metadata snapshot");
      }
      MetadataDumper.dumpMetadataSnap(md, snap, report.countingPass());
      MetadataDumper.dumpMetadataSnap(md, snap, report.classifyingPass());
    } else {
      MetadataDumper.dump(md, report.countingPass());
      MetadataDumper.dump(md, report.classifyingPass(sizes(md)));
    }
    return report;
  }

  static String json(ThinLsReport report) {
    List<JsonOutput> devices = new ArrayList<>();
    for (ThinLsRow r : report.rows()) {
      JsonOutput d = JsonOutput.nested().put("id", r.devId());
      if (r.sizeBytes().isPresent()) {
        d.put("size", r.sizeBytes().getAsLong());
      } else {
        d.putNull("size");
      }
      devices.add(
          d.put("mapped_blocks", r.mappedBlocks())
              .put("exclusive_blocks", r.exclusiveBlocks())
              .put("shared_blocks", r.sharedBlocks())
              .put("transaction", r.transactionId())
              .put("creation_time", r.creationTime())
              .put("snap_time", r.snapTime()));
    }
    return JsonOutput.document().put("devices", devices).render();
  }

  private List<ThinLsField> columns() {
    try {
      return ThinLsField.parseList(fields != null ? fields : DEFAULT_FIELDS);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "-o: "
              + e.getMessage()
              + " (fields: "
              + String.join(",", Arrays.stream(ThinLsField.values()).map(Enum::name).toList())
              + ")");
    }
  }

  /**
   * The devices' sizes as the pool sees them, when the directory holds a whole pool (its sizes or
   * data file, or a direct-mode pool.conf); for a bare metadata file they are unknown (null).
   */
  private Map<Long, Long> sizes(ThinMetadata md) throws IOException {
    var dir = pool().dir();
    boolean wholePool =
        Files.isRegularFile(dir.resolve("sizes"))
            || Files.isRegularFile(dir.resolve(ThinPool.DATA_FILE))
            || ThinPool.isDirect(dir);
    return wholePool ? ThinPool.deviceSizes(dir, md) : Map.of();
  }
}

package org.thinpool.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.thinpool.pool.ShrinkLoss;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code thinpool thin resize ID SIZE [--force]}. A shrink that would drop written data (mapped
 * blocks past the new end, or the tail of a block the new end cuts) is refused without {@code
 * --force}, saying how many blocks it would unmap, as {@code lvreduce} asks first.
 */
@Command(
    name = "resize",
    mixinStandardHelpOptions = true,
    description =
        "Set a thin device's virtual size; shrinking below written data unmaps the "
            + "blocks past the end and needs --force.")
final class ThinResizeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "Thin id.")
  long id;

  @Parameters(
      index = "1",
      paramLabel = "SIZE",
      converter = SizeConverter.class,
      description = "New virtual size (k/M/G/T), a multiple of 512, not 0.")
  long sizeBytes;

  @Option(
      names = {"-f", "--force"},
      description = "Shrink even though mapped blocks past the new end are unmapped (lost).")
  boolean force;

  @Override
  public Integer call() throws Exception {
    try (ThinPool pool = Main.openPool(spec)) {
      ShrinkLoss loss = pool.shrinkLoss(id, sizeBytes);
      if (!loss.losesNothing() && !force) {
        throw new IllegalArgumentException(
            "shrinking thin device "
                + id
                + " of pool "
                + pool.directory()
                + " to "
                + sizeBytes
                + " bytes would "
                + describe(loss, false)
                + "; add --force to do it");
      }
      long usedBefore = pool.status().dataBlocksUsed();
      pool.resize(id, sizeBytes);
      if (!loss.losesNothing()) {
        long freed = usedBefore - pool.status().dataBlocksUsed();
        PrintWriter out = spec.commandLine().getOut();
        out.println(
            "thin device "
                + id
                + ": "
                + describe(loss, true)
                + "; "
                + freed
                + " data blocks freed");
        out.flush();
      }
    }
    return ExitCodes.OK;
  }

  /** What the shrink loses, as what it would do ({@code done} false) or what it did. */
  private static String describe(ShrinkLoss loss, boolean done) {
    long n = loss.unmappedBlocks();
    String s = (done ? "unmapped " : "unmap ") + n + (n == 1 ? " mapped block" : " mapped blocks");
    return loss.tailZeroed()
        ? s + (done ? " and zeroed" : " and zero") + " the tail of the block at the new end"
        : s;
  }
}

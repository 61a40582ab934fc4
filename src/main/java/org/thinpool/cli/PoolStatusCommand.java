package org.thinpool.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.thinpool.pool.PoolStatus;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code thinpool status}: the pool's state, like {@code dmsetup status} of a thin-pool. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Show transaction id, metadata and data usage, mode and discard mode.")
final class PoolStatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "JSON output.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PoolStatus s;
    try (ThinPool pool = Main.openPool(spec)) {
      s = pool.status();
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? json(s) : text(s));
    out.flush();
    return ExitCodes.OK;
  }

  static String json(PoolStatus s) {
    return "{\"block_size\": " + s.dataBlockSizeBytes()
        + ", \"data_blocks_used\": " + s.dataBlocksUsed()
        + ", \"data_blocks_total\": " + s.dataBlocksTotal()
        + ", \"metadata_blocks_used\": " + s.metadataBlocksUsed()
        + ", \"metadata_blocks_total\": " + s.metadataBlocksTotal()
        + ", \"transaction_id\": " + s.transactionId()
        + ", \"mode\": \"" + s.mode().dmName() + "\""
        + ", \"discard\": \"" + s.discardMode().lvmName() + "\""
        + ", \"zeroing\": " + s.zeroing()
        + ", \"needs_check\": " + s.needsCheck() + "}\n";
  }

  static String text(PoolStatus s) {
    return "transaction_id " + s.transactionId() + "\n"
        + "metadata " + s.metadataBlocksUsed() + "/" + s.metadataBlocksTotal() + "\n"
        + "data " + s.dataBlocksUsed() + "/" + s.dataBlocksTotal() + "\n"
        + "block_size " + s.dataBlockSizeBytes() + "\n"
        + "mode " + s.mode().dmName() + "\n"
        + "discard " + s.discardMode().lvmName() + "\n"
        + "zeroing " + s.zeroing() + "\n"
        + "needs_check " + s.needsCheck() + "\n";
  }
}

package org.thinpool.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.thinpool.pool.PoolStatus;
import org.thinpool.pool.ThinPool;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code thinpool status}: the pool's state, like {@code dmsetup status} of a thin-pool. Its model
 * is built in code ({@link CodedModel}): scripts poll it.
 */
final class PoolStatusCommand implements Callable<Integer> {
  private CommandSpec spec;

  private boolean json;

  /** The model of a new {@code status}. */
  static CommandSpec model() {
    PoolStatusCommand c = new PoolStatusCommand();
    c.spec =
        CodedModel.command(
            c,
            "status",
            "Show transaction id, metadata and data usage, mode and discard mode.",
            CodedModel.flag(
                new String[] {"--json"},
                "JSON output (docs/cli-json.md).",
                () -> c.json,
                v -> c.json = v));
    return c.spec;
  }

  @Override
  public Integer call() throws Exception {
    PoolOption option = Main.pool(spec);
    // Read-only under a reader's lock where an open would change nothing (the usual case): no
    // writer's lock, no native call. Else, and inside a server (its live pool), as an open sees it.
    Optional<PoolStatus> closed =
        option.served == null
            ? option.readMetadata(md -> ThinPool.status(option.dir(), md))
            : Optional.empty();
    PoolStatus s;
    if (closed.isPresent()) {
      s = closed.get();
    } else {
      try (ThinPool pool = Main.openPool(spec)) {
        s = pool.status();
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? json(s) : text(s));
    out.flush();
    return ExitCodes.OK;
  }

  static String json(PoolStatus s) {
    return JsonOutput.document()
        .put("block_size", s.dataBlockSizeBytes())
        .put("data_blocks_used", s.dataBlocksUsed())
        .put("data_blocks_total", s.dataBlocksTotal())
        .put("metadata_blocks_used", s.metadataBlocksUsed())
        .put("metadata_blocks_total", s.metadataBlocksTotal())
        .put("transaction_id", s.transactionId())
        .put("mode", s.mode().dmName())
        .put("discard", s.discardMode().lvmName())
        .put("zeroing", s.zeroing())
        .put("needs_check", s.needsCheck())
        .render();
  }

  /** What {@code create} and {@code grow} print: the pool's sizes after the change. */
  static String sizesJson(Path dir, PoolStatus s) {
    return JsonOutput.document()
        .put("pool", dir.toString())
        .put("block_size", s.dataBlockSizeBytes())
        .put("data_blocks_total", s.dataBlocksTotal())
        .put("metadata_blocks_total", s.metadataBlocksTotal())
        .render();
  }

  static String text(PoolStatus s) {
    return "transaction_id "
        + s.transactionId()
        + "\n"
        + "metadata "
        + s.metadataBlocksUsed()
        + "/"
        + s.metadataBlocksTotal()
        + "\n"
        + "data "
        + s.dataBlocksUsed()
        + "/"
        + s.dataBlocksTotal()
        + "\n"
        + "block_size "
        + s.dataBlockSizeBytes()
        + "\n"
        + "mode "
        + s.mode().dmName()
        + "\n"
        + "discard "
        + s.discardMode().lvmName()
        + "\n"
        + "zeroing "
        + s.zeroing()
        + "\n"
        + "needs_check "
        + s.needsCheck()
        + "\n";
  }
}

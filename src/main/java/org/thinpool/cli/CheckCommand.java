package org.thinpool.cli;

import java.io.Closeable;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.thinpool.io.BlockDevice;
import org.thinpool.thin.check.PoolCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code thinpool check}: like thin_check, one line per problem, exit 1 if any. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = "Check the pool metadata: checksums, tree shapes, every reference count, leaks.")
final class CheckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  private PoolOption pool() {
    return Main.pool(spec);
  }

  @Option(names = {"-q", "--quiet"}, description = "Print nothing; only the exit code.")
  boolean quiet;


  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (Closeable lock = pool().lockForReading();
        BlockDevice dev = pool().openMetadataReadOnly()) {
      PoolCheck.Report r = PoolCheck.run(dev);
      if (!quiet) {
        for (PoolCheck.Problem p : r.problems()) {
          err.println((p.fatal() ? "error: " : "warning: ") + p.message());
        }
        // An unreadable superblock has no transaction id: print the fields only when known.
        if (r.transactionId() >= 0) {
          out.println("TRANSACTION_ID=" + r.transactionId());
          out.println("METADATA_FREE_BLOCKS=" + r.metadataFreeBlocks());
        }
        out.println(r.clean() ? "clean" : r.problems().size() + " problem(s) found");
      }
      out.flush();
      err.flush();
      return r.clean() ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
    }
  }
}

package org.thinpool.cli;

import java.io.Closeable;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.thinpool.io.BlockDevice;
import org.thinpool.pool.ThinPool;
import org.thinpool.thin.check.PoolCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code thinpool check}: like thin_check, exit 1 on any problem. Root causes come first, one line
 * each (the damaged block and what is wrong with it); what follows from them (reference counts of
 * the blocks under a damaged node) is one count line unless {@code --verbose}.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = "Check the pool metadata: checksums, tree shapes, every reference count, leaks.")
final class CheckCommand implements Callable<Integer> {
  /** Root causes printed before "... and N more": a wholly garbled file must not flood. */
  static final int MAX_ROOT_CAUSE_LINES = 20;

  @Spec CommandSpec spec;

  private PoolOption pool() {
    return Main.pool(spec);
  }

  @Option(
      names = {"-q", "--quiet"},
      description = "Print nothing; only the exit code.")
  boolean quiet;

  @Option(
      names = {"-v", "--verbose"},
      description = "Print every problem, also those that follow from the root causes.")
  boolean verbose;

  @Option(
      names = "--clear-needs-check-flag",
      description = "Clear the needs_check flag if the check passes (takes the pool lock).")
  boolean clearNeedsCheck;

  @Option(names = "--json", description = "JSON output (docs/cli-json.md), problems included.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PoolCheck.Report r;
    if (clearNeedsCheck) {
      pool().existingMetadata();
      r = ThinPool.checkAndClearNeedsCheck(pool().dir());
    } else {
      try (Closeable lock = pool().lockForReading();
          BlockDevice dev = pool().openMetadataReadOnly()) {
        r = PoolCheck.run(dev);
      }
    }
    if (json && !quiet) {
      out.print(json(r));
    } else if (!quiet) {
      print(r, err);
      // An unreadable superblock has no transaction id: print the fields only when known.
      if (r.transactionId() >= 0) {
        out.println("TRANSACTION_ID=" + r.transactionId());
        out.println("METADATA_FREE_BLOCKS=" + r.metadataFreeBlocks());
      }
      out.println(r.clean() ? "clean" : r.problems().size() + " problem(s) found");
      if (clearNeedsCheck) {
        out.println(
            r.clean()
                ? "needs_check flag cleared"
                : "needs_check flag left as it was: the check found problems");
      }
    }
    out.flush();
    err.flush();
    return r.clean() ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
  }

  private void print(PoolCheck.Report r, PrintWriter err) {
    List<PoolCheck.Problem> shown = verbose ? r.problems() : r.rootCauses();
    int limit = verbose ? Integer.MAX_VALUE : MAX_ROOT_CAUSE_LINES;
    for (int i = 0; i < shown.size() && i < limit; i++) {
      PoolCheck.Problem p = shown.get(i);
      err.println((p.fatal() ? "error: " : "warning: ") + p.message());
    }
    if (shown.size() > limit) {
      err.println("... and " + (shown.size() - limit) + " more like these (--verbose lists all)");
    }
    if (!verbose && r.followingCount() > 0) {
      err.println(
          r.followingCount()
              + " reference count difference(s) follow from the above"
              + " (--verbose lists them)");
    }
  }

  static String json(PoolCheck.Report r) {
    List<JsonOutput> problems = new ArrayList<>();
    for (PoolCheck.Problem p : r.problems()) {
      problems.add(
          JsonOutput.nested()
              .put("severity", p.fatal() ? "error" : "warning")
              .put("message", p.message()));
    }
    return JsonOutput.document()
        .put("clean", r.clean())
        .put("transaction_id", r.transactionId())
        .put("metadata_free_blocks", r.metadataFreeBlocks())
        .put("problems", problems)
        .render();
  }
}

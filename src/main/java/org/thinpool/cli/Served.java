package org.thinpool.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.thinpool.nbd.Exports;
import org.thinpool.pool.PoolStateException;
import org.thinpool.pool.ThinPool;
import org.thinpool.server.ControlClient;
import org.thinpool.server.ControlProtocol;
import org.thinpool.server.ServerContext;
import org.thinpool.server.SnapshotterService;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/**
 * The one place where CLI commands meet a served pool. On the user's side: a command on a pool that
 * a {@code thinpool serve} owns is sent whole through the pool's control socket ({@link #forward}).
 * On the server's side: the same command runs in the server's process on its open pool ({@link
 * #run}); {@link Main#openPool} then lends the served pool and {@link PoolOption#lockForReading}
 * holds its commits, so every command behaves as without a server.
 */
final class Served {
  /** Commands that never go through a server: they make a pool or run one. */
  private static final Set<String> LOCAL = Set.of("serve", "create", "restore");

  private Served() {}

  /** Runs the parsed command on the pool's server, if one serves it; empty to run it here. */
  static Optional<Integer> forward(ParseResult pr) {
    Main main = (Main) pr.commandSpec().userObject();
    if (main.pool.served != null
        || !pr.hasSubcommand()
        || LOCAL.contains(pr.subcommand().commandSpec().name())) {
      return Optional.empty();
    }
    for (ParseResult p = pr; p != null; p = p.subcommand()) {
      if (p.isUsageHelpRequested() || p.isVersionHelpRequested()) {
        return Optional.empty();
      }
    }
    CommandLine cl = pr.commandSpec().commandLine();
    try {
      Optional<ControlProtocol.Response> r =
          ControlClient.tryRun(
              main.pool.dir(),
              new ControlProtocol.Request(Path.of("").toAbsolutePath(), pr.originalArgs()));
      if (r.isEmpty()) {
        return Optional.empty();
      }
      cl.getOut().print(r.get().stdout());
      cl.getOut().flush();
      cl.getErr().print(r.get().stderr());
      cl.getErr().flush();
      return Optional.of(r.get().exitCode());
    } catch (IOException e) {
      cl.getErr()
          .println(
              "thinpool: the server of " + main.pool.dir() + " did not answer: " + e.getMessage());
      cl.getErr().flush();
      return Optional.of(ExitCodes.ERROR);
    }
  }

  /** The server's side: runs one forwarded command line on the served pool. */
  static ControlProtocol.Response run(
      ControlProtocol.Request req, ServerContext context, Exports exports) {
    Main main = new Main();
    CommandLine cl = Main.commandLine(main, req.args().toArray(String[]::new));
    main.pool.served = context.pool();
    main.exports = exports;
    main.snapshots =
        context
            .service(SnapshotterService.class)
            .map(sv -> (Main.SnapshotsSource) () -> PoolInfo.Snapshots.of(sv.snapshotter()))
            .orElse(null);
    cl.registerConverter(Path.class, s -> req.cwd().resolve(s)); // the user's directory
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(req.args().toArray(String[]::new));
    return new ControlProtocol.Response(exit, out.toString(), err.toString());
  }

  /**
   * Before deleting a device of a served pool: if NBD connections use it, refuses (the reason names
   * them) or, with {@code deferred}, arranges the delete for when the last one closes and returns
   * true. Returns false when the caller should delete now.
   */
  static boolean deferOrRefuseDeleteInUse(
      CommandSpec spec, ThinPool pool, long id, boolean deferred) throws IOException {
    Exports exports = ((Main) spec.root().userObject()).exports;
    if (exports == null) {
      return false;
    }
    pool.device(id); // a missing device fails as without a server
    if (!deferred) {
      int n = exports.connections(id);
      if (n > 0) {
        throw new PoolStateException(
            "thin device "
                + id
                + " is in use by "
                + n
                + " NBD connection(s); disconnect them first, or use --deferred-delete");
      }
      return false;
    }
    int n = exports.deferWhileAttached(id, pool::delete);
    if (n > 0) {
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "thin device " + id + ": delete deferred until its " + n + " NBD connection(s) close");
      out.flush();
      return true;
    }
    return false;
  }
}

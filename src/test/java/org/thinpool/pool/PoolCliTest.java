package org.thinpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.thinpool.pool.PoolAssertions.assertMetadataClean;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.cli.Main;
import picocli.CommandLine;

/**
 * The pool's CLI commands end to end. Until Main and ThinCommand list them, the test registers the
 * (package-private) command classes itself.
 */
class PoolCliTest {
  @TempDir Path dir;

  private record Run(int exitCode, String out, String err) {}

  private Run run(String... args) throws Exception {
    CommandLine cl = Main.commandLine();
    register(cl, "create", "PoolCreateCommand");
    register(cl, "status", "PoolStatusCommand");
    CommandLine thin = cl.getSubcommands().get("thin");
    register(thin, "create", "ThinCreateCommand");
    register(thin, "snapshot", "ThinSnapshotCommand");
    register(thin, "delete", "ThinDeleteCommand");
    register(thin, "resize", "ThinResizeCommand");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    String[] full = new String[args.length + 2];
    full[0] = "--pool";
    full[1] = dir.toString();
    System.arraycopy(args, 0, full, 2, args.length);
    int code = cl.execute(full);
    return new Run(code, out.toString(), err.toString());
  }

  private static void register(CommandLine parent, String name, String className) throws Exception {
    if (parent.getSubcommands().containsKey(name)) {
      return;
    }
    Constructor<?> c = Class.forName("org.thinpool.cli." + className).getDeclaredConstructor();
    c.setAccessible(true);
    parent.addSubcommand(name, c.newInstance());
  }

  @Test
  void createThinSnapshotStatusDelete() throws Exception {
    assertThat(run("create", "--data-size", "64M", "--block-size", "128k").exitCode()).isZero();
    assertThat(run("thin", "create", "1", "1G").exitCode()).isZero();
    assertThat(run("thin", "snapshot", "2", "1").exitCode()).isZero();
    assertThat(run("thin", "resize", "2", "2G").exitCode()).isZero();
    Run status = run("status", "--json");
    assertThat(status.exitCode()).isZero();
    assertThat(status.out())
        .contains("\"block_size\": 131072")
        .contains("\"data_blocks_total\": 512")
        .contains("\"data_blocks_used\": 0")
        .contains("\"metadata_blocks_used\": ")
        .contains("\"metadata_blocks_total\": ")
        .contains("\"transaction_id\": 3")
        .contains("\"mode\": \"rw\"");
    assertThat(run("thin", "delete", "1").exitCode()).isZero();
    try (ThinPool pool = ThinPool.open(dir)) {
      assertThat(pool.deviceIds()).containsExactly(2L);
      assertThat(pool.device(2).sizeBytes()).isEqualTo(2L << 30);
    }
    assertMetadataClean(dir);
    assertThat(run("status").out()).contains("mode rw").contains("data 0/512");
  }

  @Test
  void errorsAreOneLineAndNonZero() throws Exception {
    assertThat(run("create", "--data-size", "16M").exitCode()).isZero();
    Run again = run("create", "--data-size", "16M");
    assertThat(again.exitCode()).isNotZero();
    assertThat(again.err().strip()).doesNotContain("\n").contains("already exists");
    Run missing = run("thin", "delete", "9");
    assertThat(missing.exitCode()).isNotZero();
    assertThat(missing.err().strip()).isEqualTo("thinpool: pool " + dir + ": no thin device 9");
    Run badBlock = run("thin", "create", "1", "1000");
    assertThat(badBlock.exitCode()).isNotZero();
    assertThat(badBlock.err()).contains("multiple of 512");
    assertThat(run("create", "--help").exitCode()).isZero();
  }
}

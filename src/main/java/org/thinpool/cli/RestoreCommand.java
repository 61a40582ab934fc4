package org.thinpool.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.thinpool.pool.ThinPool;
import org.thinpool.thin.xml.XmlFormatException;
import org.thinpool.thin.xml.XmlRestoreReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code thinpool restore FILE [--force]}: thin_dump XML to metadata, through {@link
 * ThinPool#restore}: refused while the pool is open and, without {@code --force}, over metadata
 * that passes check; built beside the old metadata and switched in by a rename, so a bad dump or a
 * crash never destroys the old pool. A new directory gets a sparse metadata file sized from
 * nr_data_blocks.
 */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    description = "Create the pool metadata from thin_dump XML.")
final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "thin_dump XML to restore.")
  Path xml;

  @Option(
      names = "--force",
      description = "Replace metadata that passes check (a good pool's devices are lost).")
  boolean force;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(xml)) {
      throw new IOException("cannot read " + xml);
    }
    try {
      ThinPool.restore(Main.pool(spec).dir(), sink -> XmlRestoreReader.read(xml, sink), force);
    } catch (XmlFormatException e) {
      // The reader's message says the line; the user needs the file too.
      throw new IOException(xml + ": " + e.getMessage(), e);
    }
    return ExitCodes.OK;
  }
}

package org.thinpool.cli;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.thinpool.meta.block.BlockManager;
import org.thinpool.pool.OutputFile;
import org.thinpool.pool.PoolStateException;
import org.thinpool.thin.MetadataDumper;
import org.thinpool.thin.ThinMetadata;
import org.thinpool.thin.xml.XmlDumpWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code thinpool dump}: the metadata as thin_dump XML. */
@Command(
    name = "dump",
    mixinStandardHelpOptions = true,
    description = "Write the metadata as thin_dump XML.")
final class DumpCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  private PoolOption pool() {
    return Main.pool(spec);
  }

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Output file (written whole or not at all; never one of the pool's files).")
  Path output;

  @Option(
      names = {"-m", "--metadata-snap"},
      description = "Dump the metadata snapshot.")
  boolean metadataSnap;

  // The dump is the last thing this command writes to standard output and the process ends after
  // it; closing the writer is what flushes it.
  @SuppressWarnings("ClosingStandardOutputStreams")
  @Override
  public Integer call() throws Exception {
    try (Closeable lock = pool().lockForReading();
        ThinMetadata md =
            ThinMetadata.open(
                pool().openMetadataReadOnly(), true, BlockManager.DEFAULT_CACHE_BLOCKS);
        OutputFile file = output == null ? null : OutputFile.open(output, pool().dir())) {
      // stdout through picocli: a served pool's dump goes back over the control socket
      Writer w =
          file == null
              ? spec.commandLine().getOut()
              : new BufferedWriter(
                  new OutputStreamWriter(file.stream(), StandardCharsets.US_ASCII));
      XmlDumpWriter sink = new XmlDumpWriter(w);
      if (metadataSnap) {
        if (md.metadataSnap() == 0) {
          throw new PoolStateException("no metadata snapshot is held");
        }
        MetadataDumper.dumpMetadataSnap(md, md.metadataSnap(), sink);
      } else {
        MetadataDumper.dump(md, sink);
      }
      w.flush();
      if (file != null) {
        file.commit();
      }
    }
    return ExitCodes.OK;
  }
}

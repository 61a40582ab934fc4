package org.thinpool.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.thin.MetadataRestorer;
import org.thinpool.thin.SuperblockInfo;
import org.thinpool.thin.ThinMetadata;
import org.thinpool.thin.xml.XmlRestoreReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Parameters;

/**
 * {@code thinpool restore FILE}: thin_dump XML to metadata. Written to a temporary file and
 * renamed over {@code DIR/metadata} only when complete, so a bad dump never destroys the old
 * metadata. A new directory gets a sparse metadata file sized from nr_data_blocks.
 */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    description = "Create the pool metadata from thin_dump XML.")
final class RestoreCommand implements Callable<Integer> {
  /** Floor and ceiling of a new metadata file; the kernel uses at most ~16 GiB. */
  static final long MIN_METADATA_BYTES = 4L << 20;

  static final long MAX_METADATA_BYTES = 16L << 30;

  @Spec CommandSpec spec;

  private PoolOption pool() {
    return Main.pool(spec);
  }

  @Parameters(paramLabel = "FILE", description = "thin_dump XML to restore.")
  Path xml;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(xml)) {
      throw new IOException("cannot read " + xml);
    }
    Files.createDirectories(pool().dir());
    Path target = pool().metadata();
    Path tmp = pool().dir().resolve("metadata.restore-tmp");
    Files.deleteIfExists(tmp);
    long existing = Files.isRegularFile(target) ? Files.size(target) : 0;
    MetadataRestorer restorer =
        new MetadataRestorer(sb -> FileBlockDevice.create(tmp, sizeFor(sb, existing)), 4096);
    try {
      XmlRestoreReader.read(xml, restorer);
      ThinMetadata md = restorer.result();
      if (md != null) {
        md.close();
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      ThinMetadata md = restorer.result();
      if (md != null) {
        md.close();
      }
      Files.deleteIfExists(tmp);
      throw e;
    }
    return ExitCodes.OK;
  }

  /** Keeps an existing file's size; else 128 bytes per data block, within the bounds. */
  static long sizeFor(SuperblockInfo sb, long existingBytes) {
    if (existingBytes >= MIN_METADATA_BYTES) {
      return existingBytes;
    }
    long bytes = Math.max(MIN_METADATA_BYTES, sb.nrDataBlocks() * 128 + MIN_METADATA_BYTES);
    bytes = Math.min(bytes, MAX_METADATA_BYTES);
    return (bytes + 4095) / 4096 * 4096;
  }
}

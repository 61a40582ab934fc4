package org.thinpool.thin;

import java.io.IOException;
import org.thinpool.io.BlockDevice;

/**
 * Builds new metadata from a dump (thin_restore): formats the device, then stores each device and
 * its mappings exactly as given (times, transaction ids, data blocks), recounting mapped_blocks and
 * the data reference counts from the mappings, and commits once at the end.
 */
public final class MetadataRestorer implements RestoreSink {
  /** Opens or creates the metadata device once the dump's superblock is known. */
  @FunctionalInterface
  public interface DeviceOpener {
    BlockDevice open(SuperblockInfo sb) throws IOException;
  }

  private final DeviceOpener opener;
  private final int cacheBlocks;
  private ThinMetadata md;
  private DeviceInfo current;
  private long currentRoot;
  private long currentMapped;

  public MetadataRestorer(DeviceOpener opener, int cacheBlocks) {
    this.opener = opener;
    this.cacheBlocks = cacheBlocks;
  }

  /** The restored metadata, open; valid after {@link #end}. */
  public ThinMetadata result() {
    return md;
  }

  @Override
  public void superblock(SuperblockInfo sb) throws IOException {
    long dbs = sb.dataBlockSizeSectors();
    if (dbs < Superblock.MIN_DATA_BLOCK_SECTORS
        || dbs > Superblock.MAX_DATA_BLOCK_SECTORS
        || dbs % 128 != 0) {
      throw new MetadataStateException(
          "data_block_size " + dbs + " is not a multiple of 128 sectors between 128 and 2097152");
    }
    md = ThinMetadata.format(opener.open(sb), dbs, sb.nrDataBlocks(), cacheBlocks);
    md.restoreSuperblock(sb.time(), sb.transactionId(), sb.flags());
  }

  @Override
  public void beginDevice(DeviceInfo d) throws IOException {
    if (d.devId() > ThinMetadata.MAX_DEVICE_ID) {
      throw new MetadataStateException("device id " + d.devId() + " does not fit 24 bits");
    }
    if (md.exists(d.devId())) {
      throw new MetadataStateException("thin device " + d.devId() + " appears twice");
    }
    current = d;
    currentRoot = md.newDeviceTree();
    currentMapped = 0;
  }

  @Override
  public void mapping(long originBlock, long dataBlock, long time) throws IOException {
    if (dataBlock >= md.dataSpaceMap().nrBlocks()) {
      throw new MetadataStateException(
          "thin device "
              + current.devId()
              + " maps block "
              + originBlock
              + " to data block "
              + dataBlock
              + ", beyond nr_data_blocks "
              + md.dataSpaceMap().nrBlocks());
    }
    if (time > Mapping.MAX_TIME) {
      throw new MetadataStateException("mapping time " + time + " does not fit 24 bits");
    }
    currentRoot = md.restoreMapping(currentRoot, originBlock, new Mapping(dataBlock, time));
    currentMapped++;
  }

  @Override
  public void endDevice() throws IOException {
    md.restoreDevice(
        current.devId(),
        currentRoot,
        new DeviceDetails(
            currentMapped, current.transactionId(), current.creationTime(), current.snapTime()));
    current = null;
  }

  @Override
  public void end() throws IOException {
    md.commit();
  }
}

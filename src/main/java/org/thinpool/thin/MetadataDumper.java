package org.thinpool.thin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Streams the logical content of the metadata (live, or the metadata snapshot) into a {@link
 * RestoreSink}: what thin_dump prints. Devices ascend by id, mappings by virtual block.
 */
public final class MetadataDumper {
  private MetadataDumper() {}

  /** Dumps the live (committed plus open transaction) state. */
  public static void dump(ThinMetadata md, RestoreSink sink) throws IOException {
    Superblock sb = md.superblock();
    SuperblockInfo info =
        new SuperblockInfo(
            "",
            md.time(),
            md.transactionId(),
            sb.flags(),
            sb.version(),
            sb.dataBlockSizeSectors(),
            md.dataSpaceMap().nrBlocks());
    dump(md.liveView(), info, sink);
  }

  /** Dumps the metadata snapshot; like thin_dump -m, nr_data_blocks is 0. */
  public static void dumpMetadataSnap(ThinMetadata md, long snapBlock, RestoreSink sink)
      throws IOException {
    Superblock snap = md.readSnapshotSuperblock(snapBlock);
    SuperblockInfo info =
        new SuperblockInfo(
            "",
            snap.time(),
            snap.transactionId(),
            snap.flags(),
            snap.version(),
            snap.dataBlockSizeSectors(),
            0);
    dump(md.view(snap), info, sink);
  }

  private static void dump(TreeView view, SuperblockInfo info, RestoreSink sink)
      throws IOException {
    sink.superblock(info);
    Map<Long, DeviceDetails> details = new TreeMap<>();
    view.visitDevices(
        (id, d) -> {
          details.put(id, d);
          return true;
        });
    List<Long> ids = new ArrayList<>(details.keySet());
    for (long id : ids) {
      DeviceDetails d = details.get(id);
      Long root = view.deviceRoot(id);
      if (root == null) {
        throw ThinMetadata.corrupt(
            view.detailsRoot(),
            "device details tree",
            "thin device " + id + " has details but no mapping tree");
      }
      sink.beginDevice(
          new DeviceInfo(
              id, d.mappedBlocks(), d.transactionId(), d.creationTime(), d.snapshottedTime()));
      view.visitMappings(
          root,
          (vblock, m) -> {
            sink.mapping(vblock, m.dataBlock(), m.time());
            return true;
          });
      sink.endDevice();
    }
    sink.end();
  }
}

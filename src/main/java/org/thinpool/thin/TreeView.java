package org.thinpool.thin;

import java.io.IOException;
import org.thinpool.meta.btree.BTree;
import org.thinpool.meta.btree.EntryVisitor;

/** Read-only access to one set of thin trees: the live ones or a metadata snapshot's. */
public final class TreeView {
  private final long mappingRoot;
  private final long detailsRoot;
  private final BTree<Long> topTree;
  private final BTree<Long> deviceTree;
  private final BTree<DeviceDetails> detailsTree;

  TreeView(
      long mappingRoot,
      long detailsRoot,
      BTree<Long> topTree,
      BTree<Long> deviceTree,
      BTree<DeviceDetails> detailsTree) {
    this.mappingRoot = mappingRoot;
    this.detailsRoot = detailsRoot;
    this.topTree = topTree;
    this.deviceTree = deviceTree;
    this.detailsTree = detailsTree;
  }

  public long mappingRoot() {
    return mappingRoot;
  }

  public long detailsRoot() {
    return detailsRoot;
  }

  /** Devices in the details tree, ascending. */
  public void visitDevices(EntryVisitor<DeviceDetails> visitor) throws IOException {
    detailsTree.visit(detailsRoot, 0, Long.MAX_VALUE, visitor);
  }

  /** Device tree roots from the top-level tree, ascending by device id. */
  public void visitDeviceRoots(EntryVisitor<Long> visitor) throws IOException {
    topTree.visit(mappingRoot, 0, Long.MAX_VALUE, visitor);
  }

  /** The root of a device's tree, or null. */
  public Long deviceRoot(long id) throws IOException {
    return topTree.lookup(mappingRoot, id);
  }

  public void visitMappings(long deviceRoot, EntryVisitor<Mapping> visitor) throws IOException {
    deviceTree.visit(deviceRoot, 0, Long.MAX_VALUE, (k, v) -> visitor.visit(k, Mapping.unpack(v)));
  }
}

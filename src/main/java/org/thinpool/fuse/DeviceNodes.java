package org.thinpool.fuse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.thinpool.pool.ThinDevice;

/**
 * The inodes of the file system: the root directory (node 1) and one node per exposure of a thin
 * device. Node ids are never reused (a counter), so a file released and exposed again is a new
 * inode and the kernel never mixes the two. A node lives while its device is exposed or the file is
 * open; releasing an open file only takes its name away, as unlinking an open file does, so a loop
 * device attached to it keeps working until it lets go. The open file handle is the node id.
 */
final class DeviceNodes {
  /** One exposed device file. {@code opens} counts OPENs not yet RELEASEd. */
  static final class Node {
    final long nodeId;
    final ThinDevice device;
    final AtomicInteger opens = new AtomicInteger();
    volatile boolean exposed = true;

    Node(long nodeId, ThinDevice device) {
      this.nodeId = nodeId;
      this.device = device;
    }
  }

  private long nextNodeId = Fuse.ROOT_ID + 1;
  private final Map<Long, Node> byNodeId = new ConcurrentHashMap<>();
  private final Map<Long, Node> byDeviceId = new ConcurrentHashMap<>();

  /** Exposes {@code device} (idempotent: an exposed device keeps its node). */
  synchronized Node expose(ThinDevice device) {
    Node n = byDeviceId.get(device.id());
    if (n == null) {
      n = new Node(nextNodeId++, device);
      byNodeId.put(n.nodeId, n);
      byDeviceId.put(device.id(), n);
    }
    return n;
  }

  /** Takes the device's name away; its node goes once no open file refers to it. */
  synchronized void release(long deviceId) {
    Node n = byDeviceId.remove(deviceId);
    if (n != null) {
      n.exposed = false;
      dropIfUnused(n);
    }
  }

  /** True if an open file refers to the device, exposed or released. */
  boolean inUse(long deviceId) {
    return byNodeId.values().stream().anyMatch(n -> n.device.id() == deviceId && n.opens.get() > 0);
  }

  /** The exposed device of that name (a decimal id), or null. */
  Node lookup(String name) {
    long id = parseId(name);
    return id < 0 ? null : byDeviceId.get(id);
  }

  /** The thin id a file name spells (decimal, no sign or leading zero), or -1. */
  static long parseId(String name) {
    long id;
    try {
      id = Long.parseLong(name);
    } catch (NumberFormatException e) {
      return -1;
    }
    return id >= 0 && name.equals(Long.toString(id)) ? id : -1;
  }

  /** The node, exposed or still open, or null. */
  Node node(long nodeId) {
    return byNodeId.get(nodeId);
  }

  /** The exposed nodes, by ascending device id: the directory's listing. */
  List<Node> exposed() {
    List<Node> all = new ArrayList<>(byDeviceId.values());
    all.sort((a, b) -> Long.compare(a.device.id(), b.device.id()));
    return all;
  }

  void opened(Node n) {
    n.opens.incrementAndGet();
  }

  synchronized void closed(Node n) {
    if (n.opens.decrementAndGet() < 0) {
      throw new AssertionError("more RELEASEs than OPENs of node " + n.nodeId);
    }
    dropIfUnused(n);
    notifyAll(); // awaitIdle
  }

  /** Waits up to {@code timeoutMillis} for the device to be in use no more; true if it is not. */
  synchronized boolean awaitIdle(long deviceId, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (inUse(deviceId)) {
      long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMillis <= 0) {
        return false;
      }
      wait(leftMillis);
    }
    return true;
  }

  private void dropIfUnused(Node n) {
    if (!n.exposed && n.opens.get() == 0) {
      byNodeId.remove(n.nodeId);
    }
  }
}

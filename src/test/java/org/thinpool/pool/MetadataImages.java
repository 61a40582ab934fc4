package org.thinpool.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.thinpool.io.FileBlockDevice;
import org.thinpool.meta.block.Checksums;
import org.thinpool.meta.btree.BTreeNode;
import org.thinpool.thin.ThinMetadata;

/**
 * Raw edits of a pool's committed metadata file, for tests of damaged pools: the live mapping
 * leaves of a device, found from the superblock down without the b-tree code, and a leaf value
 * rewritten with a valid checksum (a corruption no checksum catches).
 */
final class MetadataImages {
  static final int BLOCK_BYTES = 4096;
  private static final int HEADER = 32;
  private static final long FLAG_INTERNAL = 1;

  private MetadataImages() {}

  /** The block numbers of the live leaves of device {@code id}'s mapping tree, in key order. */
  static List<Long> mappingLeaves(Path meta, long id) throws IOException {
    long top;
    try (FileBlockDevice dev = FileBlockDevice.openReadOnly(meta);
        ThinMetadata md = ThinMetadata.open(dev, true, 64)) {
      top = md.superblock().dataMappingRoot();
    }
    long root = -1;
    for (long leaf : leavesUnder(meta, top)) {
      ByteBuffer b = read(meta, leaf);
      for (int i = 0; i < nr(b); i++) {
        if (b.getLong(HEADER + 8 * i) == id) {
          root = b.getLong(valueOffset(b, i));
        }
      }
    }
    if (root < 0) {
      throw new AssertionError("no mapping tree for device " + id);
    }
    return leavesUnder(meta, root);
  }

  private static List<Long> leavesUnder(Path meta, long root) throws IOException {
    List<Long> leaves = new ArrayList<>();
    List<Long> todo = new ArrayList<>(List.of(root));
    while (!todo.isEmpty()) {
      long n = todo.removeFirst();
      ByteBuffer b = read(meta, n);
      if (b.getInt(4) == FLAG_INTERNAL) {
        for (int i = nr(b) - 1; i >= 0; i--) {
          todo.addFirst(b.getLong(valueOffset(b, i)));
        }
      } else {
        leaves.add(n);
      }
    }
    return leaves;
  }

  /**
   * Points virtual block {@code vblock} (in leaf {@code leaf}) at {@code dataBlock}, keeping its
   * time, and reseals the leaf's checksum.
   */
  static void remap(Path meta, long leaf, long vblock, long dataBlock) throws IOException {
    ByteBuffer b = read(meta, leaf);
    for (int i = 0; i < nr(b); i++) {
      if (b.getLong(HEADER + 8 * i) == vblock) {
        int at = valueOffset(b, i);
        long time = b.getLong(at) & 0xFFFFFF;
        b.putLong(at, dataBlock << 24 | time);
        byte[] img = new byte[BLOCK_BYTES];
        b.get(0, img);
        Checksums.seal(img, BTreeNode.BLOCK_TYPE);
        write(meta, leaf, ByteBuffer.wrap(img));
        return;
      }
    }
    throw new AssertionError("leaf " + leaf + " has no key " + vblock);
  }

  /** The first key of a leaf. */
  static long firstKey(Path meta, long leaf) throws IOException {
    return read(meta, leaf).getLong(HEADER);
  }

  /** Flips one byte of a block (its checksum no longer matches). */
  static void flipByte(Path meta, long blockNr, int offset) throws IOException {
    ByteBuffer b = read(meta, blockNr);
    b.put(offset, (byte) (b.get(offset) ^ 0x5A));
    write(meta, blockNr, b.clear());
  }

  static ByteBuffer read(Path meta, long blockNr) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(BLOCK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(meta, StandardOpenOption.READ)) {
      while (b.hasRemaining() && ch.read(b, blockNr * BLOCK_BYTES + b.position()) > 0) {
        // until the block is full
      }
    }
    return b.clear();
  }

  private static void write(Path meta, long blockNr, ByteBuffer b) throws IOException {
    try (FileChannel ch = FileChannel.open(meta, StandardOpenOption.WRITE)) {
      while (b.hasRemaining()) {
        ch.write(b, blockNr * BLOCK_BYTES + b.position());
      }
      ch.force(true);
    }
  }

  private static int nr(ByteBuffer b) {
    return b.getInt(16);
  }

  private static int valueOffset(ByteBuffer b, int i) {
    return HEADER + 8 * b.getInt(20) + i * b.getInt(24);
  }
}

package org.thinpool.meta.block;

import org.thinpool.io.MetadataCorruptException;

/**
 * Validation of a metadata block's bytes, run on every read and before every write (spec 1.5):
 * checksum with the type's salt, the self-location field, and the header sanity of each type.
 */
final class BlockChecks {
  /** Superblock magic number (spec 2). */
  static final long SUPERBLOCK_MAGIC = 27022010L;

  private static final int NODE_HEADER_BYTES = 32;
  private static final long FLAG_INTERNAL = 1;
  private static final long FLAG_LEAF = 2;

  private BlockChecks() {}

  static void verify(long blockNr, BlockType type, byte[] b) throws MetadataCorruptException {
    int stored = Checksums.stored(b);
    int wanted = Checksums.compute(b, type);
    if (stored != wanted) {
      throw new MetadataCorruptException(
          blockNr, type.description(), "bad checksum" + actualTypeHint(b, type));
    }
    long self = MetadataBlock.u64(b, 8);
    if (self != blockNr) {
      throw new MetadataCorruptException(
          blockNr, type.description(), "block claims to be block " + self);
    }
    structure(blockNr, type, b);
  }

  /** Header sanity that does not depend on the checksum; also run before a block is written. */
  static void structure(long blockNr, BlockType type, byte[] b) throws MetadataCorruptException {
    switch (type) {
      case SUPERBLOCK -> {
        long magic = MetadataBlock.u64(b, 32);
        if (magic != SUPERBLOCK_MAGIC) {
          throw new MetadataCorruptException(
              blockNr, type.description(), "bad magic " + magic + ", expected " + SUPERBLOCK_MAGIC);
        }
      }
      case BTREE_NODE -> node(blockNr, b);
      case BITMAP, INDEX -> {}
    }
  }

  private static void node(long blockNr, byte[] b) throws MetadataCorruptException {
    long flags = MetadataBlock.u32(b, 4);
    long nr = MetadataBlock.u32(b, 16);
    long max = MetadataBlock.u32(b, 20);
    long valueSize = MetadataBlock.u32(b, 24);
    String why = null;
    if (flags != FLAG_INTERNAL && flags != FLAG_LEAF) {
      why = "node flags " + flags + " are neither internal nor leaf";
    } else if (valueSize == 0 || valueSize > MetadataBlock.SIZE_BYTES) {
      why = "value size " + valueSize + " is impossible";
    } else if (NODE_HEADER_BYTES + max * (8 + valueSize) > MetadataBlock.SIZE_BYTES) {
      why = "max entries " + max + " with value size " + valueSize + " overflow the block";
    } else if (max % 3 != 0) {
      why = "max entries " + max + " is not divisible by 3";
    } else if (nr > max) {
      why = "nr entries " + nr + " exceeds max entries " + max;
    } else if (flags == FLAG_INTERNAL && valueSize != 8) {
      why = "internal node with value size " + valueSize;
    }
    if (why == null) {
      long prev = 0;
      for (int i = 0; i < nr; i++) {
        long key = MetadataBlock.u64(b, NODE_HEADER_BYTES + 8 * i);
        if (i > 0 && Long.compareUnsigned(key, prev) <= 0) {
          why = "keys not strictly ascending at entry " + i;
          break;
        }
        prev = key;
      }
    }
    if (why != null) {
      throw new MetadataCorruptException(blockNr, BlockType.BTREE_NODE.description(), why);
    }
  }

  private static String actualTypeHint(byte[] b, BlockType expected) {
    for (BlockType t : BlockType.values()) {
      if (t != expected && Checksums.stored(b) == Checksums.compute(b, t)) {
        return " (the block is a valid " + t.description() + ")";
      }
    }
    return "";
  }
}

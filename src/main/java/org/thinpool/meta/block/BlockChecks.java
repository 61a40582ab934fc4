package org.thinpool.meta.block;

import java.util.List;
import org.thinpool.io.MetadataCorruptException;

/**
 * What the block manager checks of every metadata block (spec 1.5), whatever its type: the checksum
 * with the type's salt and the self location, then the owner's {@link BlockValidator}. Run on every
 * read from the device and, but for the checksum, before every write.
 */
final class BlockChecks {
  private BlockChecks() {}

  /**
   * Checks a block just read from the device. {@code knownTypes} only serve the message: a block
   * whose checksum fits another type is named as such.
   */
  static void verify(MetadataBlock b, List<BlockType> knownTypes) throws MetadataCorruptException {
    byte[] data = b.data();
    BlockType type = b.type();
    if (Checksums.stored(data) != Checksums.compute(data, type)) {
      throw new MetadataCorruptException(
          b.blockNr(), type.description(), "bad checksum" + actualTypeHint(data, type, knownTypes));
    }
    long self = MetadataBlock.u64(data, MetadataBlock.OFFSET_BLOCKNR);
    if (self != b.blockNr()) {
      throw new MetadataCorruptException(
          b.blockNr(), type.description(), "block claims to be block " + self);
    }
    type.validator().check(b);
  }

  /** Sets the self location, runs the owner's checks and seals the checksum: a block to write. */
  static void seal(MetadataBlock b) throws MetadataCorruptException {
    MetadataBlock.putU64(b.data(), MetadataBlock.OFFSET_BLOCKNR, b.blockNr());
    b.type().validator().check(b);
    Checksums.seal(b.data(), b.type());
  }

  private static String actualTypeHint(byte[] b, BlockType expected, List<BlockType> known) {
    for (BlockType t : known) {
      if (t != expected
          && t.salt() != expected.salt()
          && Checksums.stored(b) == Checksums.compute(b, t)) {
        return " (the block is a valid " + t.description() + ")";
      }
    }
    return "";
  }
}

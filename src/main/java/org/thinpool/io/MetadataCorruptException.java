package org.thinpool.io;

/**
 * Metadata that fails validation: bad checksum, a block that is not where it says it is, wrong
 * magic, a b-tree node whose header or keys are impossible. Carries the block number and the block
 * type so that the message names exactly what is broken. Never returned as data.
 */
public final class MetadataCorruptException extends StorageException {
  private static final long serialVersionUID = 1L;
  private final long blockNr;
  private final String blockType;

  public MetadataCorruptException(long blockNr, String blockType, String reason) {
    super(reason + " (" + blockType + ", block " + blockNr + ")");
    this.blockNr = blockNr;
    this.blockType = blockType;
  }

  public long blockNr() {
    return blockNr;
  }

  public String blockType() {
    return blockType;
  }
}

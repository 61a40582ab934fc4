package org.thinpool.thin;

/**
 * A data block allocated for one virtual block and not mapped yet (a prepared mapping in dm-thin's
 * terms): the pool fills it (zeros or the written bytes, plus the old contents for a break of
 * sharing), then either maps it with {@link ThinMetadata#map} or gives it back with {@link
 * ThinMetadata#release}. Exactly one of the two ends every provision; until then the block's single
 * reference belongs to the provision, so {@link ThinMetadata#commit} refuses to run while any is
 * open (a commit would record an allocated block that nothing maps). An abort of the transaction
 * ends every open provision: its block was never committed, so there is nothing left to release.
 *
 * <p>Made by {@link ThinMetadata#provision} (the block was unmapped) and {@link
 * ThinMetadata#breakSharing} (the block was shared; {@link #sourceBlock} is the data to copy).
 *
 * <p>A provision may also be mapped before it is filled ({@link ThinMetadata#mapUnfilled}, for a
 * caller that keeps every reader of the virtual block out until the data is in): it stays open, and
 * ends with {@link ThinMetadata#filled} or, if the data could not be written, with {@link
 * ThinMetadata#unmapUnfilled}, which puts back the mapping it {@linkplain #replaced replaced}.
 */
public final class Provision {
  /** {@link #sourceBlock} of a provision of an unmapped block. */
  public static final long NO_SOURCE = -1;

  /** {@link #replaced} when the virtual block was unmapped, or the provision is not mapped yet. */
  static final long NOT_REPLACED = -1;

  private final long thinId;
  private final long virtualBlock;
  private final long dataBlock;
  private final long sourceBlock;

  /** The metadata's abort count when the block was allocated: a later abort voids it. */
  private final long abortCount;

  private boolean ended;

  /** The block_time the early mapping replaced ({@link #NOT_REPLACED}: none, or not mapped yet). */
  private long replaced = NOT_REPLACED;

  private boolean mappedUnfilled;

  Provision(long thinId, long virtualBlock, long dataBlock, long sourceBlock, long abortCount) {
    this.thinId = thinId;
    this.virtualBlock = virtualBlock;
    this.dataBlock = dataBlock;
    this.sourceBlock = sourceBlock;
    this.abortCount = abortCount;
  }

  public long thinId() {
    return thinId;
  }

  public long virtualBlock() {
    return virtualBlock;
  }

  /** The new data block, to be filled before it is mapped. */
  public long dataBlock() {
    return dataBlock;
  }

  /** The shared data block whose contents the new one takes, or {@link #NO_SOURCE}. */
  public long sourceBlock() {
    return sourceBlock;
  }

  /** True until the provision is mapped, released, or voided by an abort. */
  public boolean isOpen() {
    return !ended;
  }

  long abortCount() {
    return abortCount;
  }

  /** True once mapped by {@link ThinMetadata#mapUnfilled}. */
  public boolean isMappedUnfilled() {
    return mappedUnfilled;
  }

  long replaced() {
    return replaced;
  }

  void mappedUnfilled(long replacedBlockTime) {
    mappedUnfilled = true;
    replaced = replacedBlockTime;
  }

  /** Ends the provision; a second end is a programmer error. */
  void end() {
    if (ended) {
      throw new AssertionError("provision of data block " + dataBlock + " ended twice");
    }
    ended = true;
  }

  @Override
  public String toString() {
    return "provision of data block "
        + dataBlock
        + " for thin "
        + thinId
        + " block "
        + virtualBlock
        + (sourceBlock == NO_SOURCE ? "" : " (copy of " + sourceBlock + ")");
  }
}

package org.thinpool.meta.block;

/**
 * A kind of metadata block, declared by the package that owns its layout: its description (for
 * messages), the salt mixed into its checksum (spec 1.2), and its {@link BlockValidator}. Every
 * read and write of a block names its type, so no block reaches a caller without its owner's
 * checks. Types compare by identity: declare each one once, as a constant next to its codec.
 */
public final class BlockType {
  private final String description;
  private final int salt;
  private final BlockValidator validator;

  public BlockType(String description, int salt, BlockValidator validator) {
    if (description == null || description.isEmpty() || validator == null) {
      throw new AssertionError("a block type needs a description and a validator");
    }
    this.description = description;
    this.salt = salt;
    this.validator = validator;
  }

  /** The salt XORed into this type's checksum; what lets a reader tell the type of a block. */
  public int salt() {
    return salt;
  }

  public String description() {
    return description;
  }

  BlockValidator validator() {
    return validator;
  }

  @Override
  public String toString() {
    return description;
  }
}

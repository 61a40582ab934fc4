package org.thinpool.meta.block;

/**
 * The four kinds of metadata block and the salt each mixes into its checksum (spec 1.2). The
 * salt is what lets a reader tell the type of any valid block.
 */
public enum BlockType {
  SUPERBLOCK(160774, "superblock"),
  BTREE_NODE(121107, "btree node"),
  BITMAP(240779, "space map bitmap"),
  INDEX(160478, "metadata space map index");

  private final int salt;
  private final String description;

  BlockType(int salt, String description) {
    this.salt = salt;
    this.description = description;
  }

  public int salt() {
    return salt;
  }

  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return description;
  }
}

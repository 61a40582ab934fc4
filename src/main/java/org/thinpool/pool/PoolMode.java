package org.thinpool.pool;

/** The pool's mode as {@code dmsetup status} prints it. */
public enum PoolMode {
  READ_WRITE("rw"),
  READ_ONLY("ro"),
  OUT_OF_DATA_SPACE("out_of_data_space");

  private final String dmName;

  PoolMode(String dmName) {
    this.dmName = dmName;
  }

  /** rw, ro or out_of_data_space. */
  public String dmName() {
    return dmName;
  }
}

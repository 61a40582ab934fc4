package org.thinpool.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared golden files ({@code ../shared/testdata}). */
public final class Testdata {
  private Testdata() {}

  /** The shared folder beside the checkout ({@code ../shared}), else {@code /work/shared}. */
  public static Path shared() {
    return dmThin().getParent().getParent().toAbsolutePath().normalize();
  }

  public static Path dmThin() {
    String prop = System.getProperty("thinpool.testdata");
    Path p = prop != null ? Path.of(prop, "dm-thin") : Path.of("../shared/testdata/dm-thin");
    if (!Files.isDirectory(p)) {
      p = Path.of("/work/shared/testdata/dm-thin");
    }
    return p;
  }

  /** True when the long (soak / crash / fuzz) profile is on: {@code mvn verify -Plong}. */
  public static boolean longRun() {
    return Boolean.getBoolean("thinpool.long");
  }
}

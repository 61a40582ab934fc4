package org.thinpool.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The version and git commit this jar was built from, filtered into {@code build.properties} at
 * build time (so {@code --version} costs one resource read, no git and no pool).
 */
final class BuildInfo implements IVersionProvider {
  private static final Properties PROPERTIES = load();

  static String version() {
    return PROPERTIES.getProperty("version", "unknown");
  }

  /** The abbreviated commit, with "-dirty" if the tree had uncommitted changes; or "unknown". */
  static String commit() {
    String c = PROPERTIES.getProperty("commit", "");
    return c.isEmpty() || c.startsWith("${") ? "unknown" : c;
  }

  @Override
  public String[] getVersion() {
    return new String[] {"thinpool " + version() + " (commit " + commit() + ")"};
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}

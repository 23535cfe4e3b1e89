package io.timecoin.node;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version of this build: the Maven project version, written into build.properties when the
 * resources are processed.
 */
public final class BuildInfo {
  private BuildInfo() {}

  private static final String VERSION = read();

  /** "0.1.0-SNAPSHOT", or "unknown" when the resource is missing or was not filtered. */
  public static String version() {
    return VERSION;
  }

  private static String read() {
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "unknown");
      return v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }
}

package io.timecoin.node.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The explorer's files, from a classpath folder bundled in the jar (no CDN: a node with no internet
 * serves them). A path that names no file and has no extension is the single-page app's own route,
 * answered with index.html; a path with "..", a backslash or an escape is never looked up.
 */
final class StaticFiles {
  /** A file to serve: its bytes and content type. */
  record File(byte[] bytes, String contentType) {}

  private static final Map<String, String> TYPES =
      Map.ofEntries(
          Map.entry("html", "text/html; charset=utf-8"),
          Map.entry("js", "text/javascript; charset=utf-8"),
          Map.entry("mjs", "text/javascript; charset=utf-8"),
          Map.entry("css", "text/css; charset=utf-8"),
          Map.entry("json", "application/json"),
          Map.entry("map", "application/json"),
          Map.entry("svg", "image/svg+xml"),
          Map.entry("png", "image/png"),
          Map.entry("jpg", "image/jpeg"),
          Map.entry("ico", "image/x-icon"),
          Map.entry("woff2", "font/woff2"),
          Map.entry("txt", "text/plain; charset=utf-8"),
          Map.entry("wasm", "application/wasm"));

  private final String root;
  private final ClassLoader loader;

  /** Only files that exist are cached: what the jar bundles, so the cache is bounded by it. */
  private final Map<String, File> cache = new ConcurrentHashMap<>();

  /** {@code root}: the classpath folder, e.g. "explorer". */
  StaticFiles(String root, ClassLoader loader) {
    this.root = root.endsWith("/") ? root : root + "/";
    this.loader = loader;
  }

  /** The file a GET of {@code path} answers with, if any. */
  Optional<File> get(String path) {
    if (!path.startsWith("/")
        || path.contains("..")
        || path.contains("\\")
        || path.contains("%")
        || path.contains("//")) {
      return Optional.empty();
    }
    String name = path.substring(1);
    // a path whose last segment has no extension is a route of the app (/, /block/12,
    // /address/timet1...),
    // never a file: so a folder on the classpath is never read as one
    return name.substring(name.lastIndexOf('/') + 1).contains(".")
        ? load(name)
        : load("index.html");
  }

  private Optional<File> load(String name) {
    File cached = cache.get(name);
    if (cached != null) {
      return Optional.of(cached);
    }
    try (InputStream in = loader.getResourceAsStream(root + name)) {
      if (in == null) {
        return Optional.empty();
      }
      String ext = name.substring(name.lastIndexOf('.') + 1);
      File file = new File(in.readAllBytes(), TYPES.getOrDefault(ext, "application/octet-stream"));
      cache.put(name, file);
      return Optional.of(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

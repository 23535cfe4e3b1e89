package io.timecoin.cli;

import io.timecoin.node.config.NodeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** What the commands that run nodes check in a home before they open it. */
final class Homes {
  private Homes() {}

  /** The node folders (node-*) of a network folder, sorted; empty when {@code dir} has none. */
  static List<Path> nodeFolders(Path dir) throws IOException {
    List<Path> homes = new ArrayList<>();
    if (Files.isDirectory(dir)) {
      try (var dirs = Files.newDirectoryStream(dir, "node-*")) {
        dirs.forEach(
            p -> {
              if (Files.isRegularFile(p.resolve(NodeConfig.FILE_NAME))) {
                homes.add(p);
              }
            });
      }
    }
    // node-2 before node-10
    homes.sort(
        (a, b) -> {
          String x = a.getFileName().toString();
          String y = b.getFileName().toString();
          return x.length() != y.length()
              ? Integer.compare(x.length(), y.length())
              : x.compareTo(y);
        });
    return homes;
  }

  /** The RocksDB lock file of the chain database of the node whose home is {@code home}. */
  static Path chainLock(Path home) throws IOException {
    return NodeConfig.read(home.resolve(NodeConfig.FILE_NAME))
        .dataDir(home)
        .resolve("chain")
        .resolve("LOCK");
  }

  /**
   * Why a node of {@code home} cannot be started because one runs there already: "lock held by pid
   * N (PATH)", or null when no process holds its chain database's lock. Reads /proc/locks (Linux)
   * rather than trying the lock: a POSIX lock taken and released by this process would release the
   * one RocksDB holds in it too.
   */
  static String runningHolder(Path home) throws IOException {
    Path lock = chainLock(home);
    if (!Files.exists(lock)) {
      return null;
    }
    OptionalLong pid = lockHolder(lock);
    if (pid.isEmpty()) {
      return null;
    }
    return "lock held by "
        + (pid.getAsLong() == ProcessHandle.current().pid() ? "this process, pid " : "pid ")
        + pid.getAsLong()
        + " on "
        + lock;
  }

  /**
   * The pid of the process that holds a POSIX lock on {@code file}, from /proc/locks; empty when
   * none (or not Linux).
   */
  static OptionalLong lockHolder(Path file) {
    Path locks = Path.of("/proc/locks");
    try {
      Object ino = Files.getAttribute(file, "unix:ino");
      for (String line : Files.readAllLines(locks)) {
        // "1: POSIX  ADVISORY  WRITE 4242 08:01:1234567 0 EOF"
        String[] f = line.trim().split("\\s+");
        if (f.length < 6 || f[1].equals("->")) {
          continue; // a waiter, not a holder
        }
        String[] dev = f[5].split(":");
        if (dev.length == 3 && dev[2].equals(ino.toString())) {
          long pid = Long.parseLong(f[4]);
          if (pid > 0) {
            return OptionalLong.of(pid);
          }
        }
      }
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      // no /proc/locks, or no unix attributes: cannot tell; the database's own refusal will say it
    }
    return OptionalLong.empty();
  }

  /** "node-0, node-1, node-2, node-3": the names of these folders. */
  static String names(List<Path> homes) {
    return String.join(", ", homes.stream().map(p -> p.getFileName().toString()).toList());
  }
}

package io.timecoin.benchmarks.cluster;

import io.timecoin.crypto.Ed25519KeyPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** What the bench needs to know of the machine it runs on (Linux: /proc). */
final class Machine {
  private Machine() {}

  static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * Ed25519 verifications per second with every core busy: the machine's signature limit. A 64-byte
   * message, as long as a vote's canonical bytes within one SHA-512 block; the same strict
   * verification the nodes do, after 2 s of JIT warm-up (the nodes' verifiers are warm too).
   */
  static double verificationsPerSecond() throws InterruptedException {
    Ed25519KeyPair key = Ed25519KeyPair.generate();
    byte[] message = new byte[64];
    byte[] signature = key.sign(message);
    AtomicLong done = new AtomicLong();
    long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    long end = warm + TimeUnit.SECONDS.toNanos(3);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < cores(); i++) {
      Thread t =
          new Thread(
              () -> {
                long n = 0;
                while (System.nanoTime() < end) {
                  if (key.publicKey().verify(message, signature) && System.nanoTime() >= warm) {
                    n++;
                  }
                }
                done.addAndGet(n);
              });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    return done.get() / 3.0;
  }

  /** VmRSS of process {@code pid}, or -1 off Linux. */
  static long residentBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException ignored) {
      // not Linux
    }
    return -1;
  }

  static long residentBytes() {
    return residentBytes(ProcessHandle.current().pid());
  }

  /** The 1, 5 and 15 minute load averages, as /proc/loadavg has them; "unknown" off Linux. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + ", " + f[1] + ", " + f[2];
    } catch (IOException | ArrayIndexOutOfBoundsException e) {
      return "unknown";
    }
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  /**
   * The machine line of the report: cores, CPU, Java, the load average before the bench started
   * (the bench itself loads every core; a load already near the cores means a shared machine, and
   * numbers not to compare), the date.
   */
  static String line(String loadBefore) {
    double one = Double.NaN;
    try {
      one = Double.parseDouble(loadBefore.split(",")[0]);
    } catch (NumberFormatException e) {
      // unknown
    }
    String shared =
        one >= 0.5
            ? " (not idle: the machine was shared, the numbers are not the machine's own)"
            : "";
    return "Machine: "
        + cores()
        + " cores, "
        + cpuModel()
        + "; "
        + System.getProperty("java.vm.name")
        + " "
        + System.getProperty("java.version")
        + ", "
        + Runtime.getRuntime().maxMemory() / (1 << 20)
        + " MB max heap; load average "
        + loadBefore
        + " (1, 5, 15 min) before the run"
        + shared
        + "; "
        + Instant.now().truncatedTo(ChronoUnit.SECONDS)
        + ".";
  }
}

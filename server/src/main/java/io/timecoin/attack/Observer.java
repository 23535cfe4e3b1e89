package io.timecoin.attack;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.timecoin.canonical.Hashes;
import io.timecoin.proto.v1.EquivocationEvidence;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.GetStatusRequest;
import io.timecoin.proto.v1.GetStatusResponse;
import io.timecoin.proto.v1.ListEvidenceRequest;
import io.timecoin.proto.v1.ListEvidenceResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * What the honest validators show from outside: heights, block hashes, resident memory, metrics,
 * evidence.
 */
public final class Observer {
  /**
   * Resident memory a validator may use: the 256 MiB heap and 64 MiB code cache bin/timed allows
   * it, and 80 MiB for the metaspace in use, thread stacks and Netty's direct buffers.
   */
  public static final long RSS_BUDGET_BYTES = 400L << 20;

  private final LocalCluster cluster;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private long agreedUpTo;

  public Observer(LocalCluster cluster) {
    this.cluster = cluster;
  }

  /** Node i's status, or null when it does not answer. */
  public GetStatusResponse status(int i) {
    try {
      return cluster
          .client(i)
          .withDeadlineAfter(2, TimeUnit.SECONDS)
          .getStatus(GetStatusRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      return null;
    }
  }

  public long height(int i) {
    GetStatusResponse s = status(i);
    return s == null ? 0 : s.getFinalizedHeight();
  }

  /** The lowest finalized height among {@code nodes}. */
  public long lowest(List<Integer> nodes) {
    long low = Long.MAX_VALUE;
    for (int i : nodes) {
      low = Math.min(low, height(i));
    }
    return low;
  }

  /**
   * Waits until every one of {@code nodes} has finalized {@code height}; false after {@code
   * seconds}.
   */
  public boolean awaitHeight(List<Integer> nodes, long height, int seconds)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + seconds * 1_000L;
    while (lowest(nodes) < height) {
      if (System.currentTimeMillis() > deadline) {
        return false;
      }
      Thread.sleep(250);
    }
    return true;
  }

  /**
   * Whether every one of {@code nodes} finalizes {@code blocks} more blocks within {@code seconds}.
   */
  public boolean keepsFinalizing(List<Integer> nodes, int blocks, int seconds)
      throws InterruptedException {
    long from = 0;
    for (int i : nodes) {
      from = Math.max(from, height(i));
    }
    return awaitHeight(nodes, from + blocks, seconds);
  }

  /**
   * The heights (since the last call) at which two of {@code nodes} hold blocks of different hashes
   * (GetBlock on each), up to the lowest of their heights; empty when they agree.
   */
  public List<Long> disagreements(List<Integer> nodes) {
    List<Long> bad = new ArrayList<>();
    long top = lowest(nodes);
    for (long h = agreedUpTo + 1; h <= top; h++) {
      ByteString first = null;
      for (int i : nodes) {
        ByteString hash;
        try {
          hash =
              Hashes.block(
                  cluster
                      .client(i)
                      .withDeadlineAfter(5, TimeUnit.SECONDS)
                      .getBlock(GetBlockRequest.newBuilder().setHeight(h).build())
                      .getBlock()
                      .getHeader());
        } catch (StatusRuntimeException e) {
          hash = ByteString.copyFromUtf8("no block: " + e.getStatus().getCode());
        }
        if (first == null) {
          first = hash;
        } else if (!first.equals(hash)) {
          bad.add(h);
          break;
        }
      }
    }
    if (bad.isEmpty()) {
      agreedUpTo = Math.max(agreedUpTo, top);
    }
    return bad;
  }

  /** Node i's resident memory (VmRSS in /proc/PID/status), 0 when it is not running. */
  public long rss(int i) {
    Process p = cluster.process(i);
    if (p == null || !p.isAlive()) {
      return 0;
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  /** Samples every node's RSS every 200 ms while it runs, keeping the largest. */
  public final class RssSampler implements AutoCloseable {
    private volatile long max;
    private volatile boolean stop;
    private final Thread thread;

    RssSampler() {
      thread =
          new Thread(
              () -> {
                while (!stop) {
                  for (int i = 0; i < cluster.size; i++) {
                    max = Math.max(max, rss(i));
                  }
                  try {
                    Thread.sleep(200);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "rss-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    public long max() {
      return max;
    }

    @Override
    public void close() {
      stop = true;
      thread.interrupt();
    }
  }

  public RssSampler sampleRss() {
    return new RssSampler();
  }

  /** Node i's Prometheus text, empty when it does not answer. */
  public String scrape(int i) {
    try {
      HttpRequest req =
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + cluster.metricsPort(i) + "/metrics"))
              .timeout(Duration.ofSeconds(5))
              .build();
      return http.send(req, HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** The sum over {@code nodes} of every sample line (not a comment) that {@code line} matches. */
  public double sum(List<Integer> nodes, Predicate<String> line) {
    double total = 0;
    for (int i : nodes) {
      for (String l : scrape(i).split("\n")) {
        if (!l.startsWith("#") && !l.isBlank() && line.test(l)) {
          try {
            total += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
          } catch (NumberFormatException ignored) {
            // not a sample
          }
        }
      }
    }
    return total;
  }

  /** Node i's equivocation evidence (ListEvidence from height 0, every page). */
  public List<EquivocationEvidence> evidence(int i) {
    List<EquivocationEvidence> all = new ArrayList<>();
    String token = "";
    do {
      ListEvidenceResponse r =
          cluster
              .client(i)
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .listEvidence(
                  ListEvidenceRequest.newBuilder().setPageSize(100).setPageToken(token).build());
      all.addAll(r.getEvidenceList());
      token = r.getNextPageToken();
    } while (!token.isEmpty());
    return all;
  }
}

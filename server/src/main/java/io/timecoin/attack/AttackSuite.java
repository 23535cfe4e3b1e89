package io.timecoin.attack;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.EquivocationEvidence;
import io.timecoin.proto.v1.GetStatusResponse;
import io.timecoin.proto.v1.PeerInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Every attack class against one {@link LocalCluster}, each followed by the same checks: the honest
 * validators keep finalizing, agree on every block hash, stay under the memory budget, and count
 * the refusal in their metrics with its reason. The integration test asserts on the outcomes;
 * {@code timed reliability} tabulates them.
 */
public final class AttackSuite implements AutoCloseable {
  /**
   * Blocks the honest validators must finalize during an attack or within {@link #LIVENESS_SECONDS}
   * of its end.
   */
  public static final int BLOCKS = 3;

  public static final int LIVENESS_SECONDS = 20;

  /**
   * The honest link delay: the attacker's copy of a message beats the genuine one by about this
   * much.
   */
  public static final long LINK_DELAY_MS = 100;

  /** What one attack did and what the honest nodes showed after it. */
  public record Outcome(
      String attack,
      ByzantinePeer.Counts counts,
      boolean keptFinalizing,
      List<Long> disagreements,
      long maxRssBytes,
      boolean refusalCounted,
      String refusalMetric,
      List<String> problems) {
    /** Every check passed. */
    public boolean held() {
      return keptFinalizing
          && disagreements.isEmpty()
          && maxRssBytes <= Observer.RSS_BUDGET_BYTES
          && refusalCounted
          && problems.isEmpty();
    }

    /** Why not, in one line per failed check. */
    public String failures() {
      List<String> f = new ArrayList<>();
      if (!keptFinalizing) {
        f.add(
            "the honest validators did not finalize "
                + BLOCKS
                + " blocks during the attack or within "
                + LIVENESS_SECONDS
                + " s");
      }
      if (!disagreements.isEmpty()) {
        f.add("validators hold different blocks at heights " + disagreements);
      }
      if (maxRssBytes > Observer.RSS_BUDGET_BYTES) {
        f.add(
            "a validator's RSS reached "
                + (maxRssBytes >> 20)
                + " MiB, over the budget of "
                + (Observer.RSS_BUDGET_BYTES >> 20)
                + " MiB");
      }
      if (!refusalCounted) {
        f.add("no refusal counted in " + refusalMetric);
      }
      f.addAll(problems);
      return attack + " (" + counts + "): " + String.join("; ", f);
    }
  }

  public final LocalCluster cluster;
  public final Observer observer;
  public final ByzantinePeer peer;
  private final List<Integer> honest;
  private TransferLoad load;

  public AttackSuite(LocalCluster cluster) {
    this.cluster = cluster;
    this.observer = new Observer(cluster);
    List<Integer> ports = new ArrayList<>();
    List<Integer> nodes = new ArrayList<>();
    for (int i = 0; i < cluster.size; i++) {
      ports.add(cluster.peerPort(i));
      nodes.add(i);
    }
    this.honest = List.copyOf(nodes);
    this.peer = new ByzantinePeer(cluster.chainId(), cluster.genesisHash(), ports);
  }

  /**
   * Starts the validators, waits for height 2, puts transfers in the blocks and connects the
   * attacker.
   */
  public void start() throws IOException, InterruptedException {
    cluster.startAll();
    if (!observer.awaitHeight(honest, 2, 90)) {
      throw new IllegalStateException(
          "the network did not reach height 2 in 90 s; node-0 log:\n" + cluster.logTail(0, 30));
    }
    load = new TransferLoad(cluster.genesis, cluster.faucetKey(), cluster.client(0), 150);
    if (!peer.connect()) {
      throw new IllegalStateException("a node did not admit the attacker's hello");
    }
  }

  /**
   * Runs {@code attack} with the RSS sampled, then the checks; {@code refusal} picks the metric
   * lines that count it.
   */
  private Outcome run(
      String metric,
      Predicate<String> refusal,
      Callable<ByzantinePeer.Counts> attack,
      Problems extra)
      throws Exception {
    heal();
    long before = (long) observer.sum(honest, refusal);
    long from = 0;
    for (int i : honest) {
      from = Math.max(from, observer.height(i));
    }
    ByzantinePeer.Counts counts;
    boolean live;
    long rss;
    List<String> problems = new ArrayList<>();
    try (Observer.RssSampler sampler = observer.sampleRss()) {
      counts = attack.call();
      live = observer.awaitHeight(honest, from + BLOCKS, LIVENESS_SECONDS);
      extra.check(counts, problems);
      rss = sampler.max();
    }
    for (int i : honest) {
      Process p = cluster.process(i);
      if (p == null || !p.isAlive()) {
        problems.add(
            "node-"
                + i
                + " exited ("
                + (p == null ? "never started" : "code " + p.exitValue())
                + "); its log ends:\n"
                + cluster.logTail(i, 15));
      }
    }
    long after = (long) observer.sum(honest, refusal);
    healthy = live && problems.stream().noneMatch(p -> p.contains(" exited "));
    return new Outcome(
        counts.attack,
        counts,
        live,
        observer.disagreements(honest),
        rss,
        after > before,
        metric,
        problems);
  }

  /**
   * False once an attack left the network not finalizing (or a node dead): the next attack starts
   * from a restart.
   */
  private boolean healthy = true;

  /**
   * Restarts every validator when the last attack left the network halted, so that each attack is
   * judged on its own (a halt is permanent for some, e.g. replayed hellos today); then redials the
   * attacker's listening links the nodes dropped.
   */
  private void heal() throws IOException, InterruptedException {
    if (!healthy) {
      for (int i : honest) {
        cluster.stop(i);
      }
      for (int i : honest) {
        cluster.start(i);
      }
      long from = 0;
      for (int i : honest) {
        from = Math.max(from, observer.height(i));
      }
      if (!observer.awaitHeight(honest, from + 1, 90)) {
        throw new IllegalStateException(
            "the network did not finalize again within 90 s of a restart of every node");
      }
      healthy = true;
      peer.reconnect();
    } else {
      peer.connect();
    }
  }

  interface Problems {
    void check(ByzantinePeer.Counts counts, List<String> problems) throws Exception;
  }

  private static final Problems NONE = (c, p) -> {};

  /** A metric line of {@code name} carrying one of {@code labels} (each written as key="value"). */
  static Predicate<String> metric(String name, String... labels) {
    return l ->
        l.startsWith(name + "{")
            && (labels.length == 0 || java.util.Arrays.stream(labels).anyMatch(l::contains));
  }

  static String verdicts(String event, String... verdicts) {
    return "timed_messages_total{event=\""
        + event
        + "\",verdict="
        + String.join("|", verdicts)
        + "}";
  }

  static Predicate<String> messages(String event, String... verdicts) {
    return l ->
        l.startsWith("timed_messages_total{")
            && l.contains("event=\"" + event + "\"")
            && java.util.Arrays.stream(verdicts).anyMatch(v -> l.contains("verdict=\"" + v + "\""));
  }

  /**
   * Tampered copies of every proposal reach the nodes before the genuine one: the chain must go on
   * with agreement, and both kinds be refused: the unknown field by closing the stream that carried
   * it, the flipped witness as an invalid block.
   */
  public Outcome tamperedBodies() throws Exception {
    Predicate<String> unknownRefused =
        metric("timed_unknown_fields_refused_total", "port=\"peer\"");
    Predicate<String> flipRefused = messages("ProposalReceived", "invalid_block", "bad_signature");
    long[] before = new long[2];
    Map<String, Long> verdictsBefore = new TreeMap<>();
    return run(
        "timed_unknown_fields_refused_total{port=\"peer\",method=\"Connect\"} or "
            + verdicts("ProposalReceived", "invalid_block", "bad_signature"),
        l -> unknownRefused.test(l) && l.contains("method=\"Connect\"") || flipRefused.test(l),
        () -> {
          before[0] =
              (long)
                  observer.sum(
                      honest, l -> unknownRefused.test(l) && l.contains("method=\"Connect\""));
          before[1] = (long) observer.sum(honest, flipRefused);
          verdictsBefore.putAll(verdictCounts("ProposalReceived"));
          long transfers = load.submitted();
          ByzantinePeer.Counts c = peer.tamperedBodies(8_000);
          c.add("transfers_submitted", load.submitted() - transfers);
          return c;
        },
        (c, p) -> {
          long unknown =
              (long)
                      observer.sum(
                          honest, l -> unknownRefused.test(l) && l.contains("method=\"Connect\""))
                  - before[0];
          long flips = (long) observer.sum(honest, flipRefused) - before[1];
          if (c.get("witness_flipped_sent") == 0) {
            p.add("no proposal carried a transaction witness: the witness flip was not tried");
          } else if (flips == 0) {
            p.add(
                "none of the "
                    + c.get("witness_flipped_sent")
                    + " proposals with a flipped witness was refused as invalid_block"
                    + " or bad_signature");
          }
          if (c.get("unknown_field_sent") == 0) {
            p.add("no proposal with an unknown field was sent");
          } else if (unknown == 0) {
            p.add(
                "none of the "
                    + c.get("unknown_field_sent")
                    + " proposals with an unknown field was counted in"
                    + " timed_unknown_fields_refused_total{port=\"peer\",method=\"Connect\"}");
          }
          c.add("unknown_field_refused", unknown);
          c.add("witness_flips_refused", flips);
          // every proposal's verdict meanwhile, the genuine copies' included: where the flips that
          // were not refused went
          Map<String, Long> delta = new TreeMap<>(verdictCounts("ProposalReceived"));
          verdictsBefore.forEach((k, v) -> delta.merge(k, -v, Long::sum));
          delta.forEach((k, v) -> c.add("proposal_verdict_" + k, v));
        });
  }

  /**
   * Every verdict's count of timed_messages_total for {@code event}, summed over the honest nodes.
   */
  private Map<String, Long> verdictCounts(String event) {
    Map<String, Long> out = new TreeMap<>();
    java.util.regex.Pattern verdict = java.util.regex.Pattern.compile("verdict=\"([a-z_]+)\"");
    for (int i : honest) {
      for (String l : observer.scrape(i).split("\n")) {
        if (l.startsWith("timed_messages_total{") && l.contains("event=\"" + event + "\"")) {
          java.util.regex.Matcher m = verdict.matcher(l);
          if (m.find()) {
            out.merge(
                m.group(1),
                (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)),
                Long::sum);
          }
        }
      }
    }
    return out;
  }

  public Outcome forgedVotes() throws Exception {
    ByteString realValidator = ByteString.copyFrom(cluster.validatorKey(0).publicKey().bytes());
    Predicate<String> refused = messages("VoteReceived", "unknown_validator", "bad_signature");
    long[] before = {0};
    Map<String, Long> verdictsBefore = new TreeMap<>();
    return run(
        verdicts("VoteReceived", "unknown_validator", "bad_signature"),
        refused,
        () -> {
          before[0] = (long) observer.sum(honest, refused);
          verdictsBefore.putAll(verdictCounts("VoteReceived"));
          return peer.forgedVotes(realValidator, 200);
        },
        (c, p) -> {
          Thread.sleep(1_000);
          long counted = (long) observer.sum(honest, refused) - before[0];
          long sent = c.get("unknown_key_votes_sent") + c.get("bad_signature_votes_sent");
          if (counted < sent * 9 / 10) {
            Map<String, Long> delta = new TreeMap<>(verdictCounts("VoteReceived"));
            verdictsBefore.forEach((k, v) -> delta.merge(k, -v, Long::sum));
            p.add(
                "only "
                    + counted
                    + " of the "
                    + sent
                    + " forged votes delivered were refused as unknown_validator or"
                    + " bad_signature (half were for the next height: buffered unchecked?); the votes' verdicts meanwhile, honest"
                    + " ones included: "
                    + delta);
          }
          if (c.get("links_dropped_by_node") > 0) {
            p.add(
                c.get("links_dropped_by_node")
                    + " throwaway links were dropped by a node before their "
                    + "votes were all sent: the count of votes delivered is not exact");
          }
        });
  }

  /**
   * Equivocation with node-{@code n}'s key; then node-0 is restarted and must still list the
   * evidence.
   */
  public Outcome equivocation(int n) throws Exception {
    Ed25519KeyPair stolen = cluster.validatorKey(n);
    ByteString who = ByteString.copyFrom(stolen.publicKey().bytes());
    return run(
        "timed_messages_total{verdict=\"equivocation\"} or timed_evidence_total",
        l ->
            l.startsWith("timed_messages_total{") && l.contains("verdict=\"equivocation\"")
                || l.startsWith("timed_evidence_total"),
        () -> peer.equivocation(stolen, 8_000),
        (c, p) -> {
          long before = count(observer.evidence(0), who);
          cluster.stop(0);
          cluster.start(0);
          if (!observer.awaitHeight(List.of(0), observer.lowest(List.of(1, 2, 3)), 60)) {
            p.add("node-0 did not catch up within 60 s of its restart");
          }
          long after = count(observer.evidence(0), who);
          if (after == 0) {
            p.add(
                "ListEvidence on node-0 after its restart shows no equivocation by node-"
                    + n
                    + " ("
                    + before
                    + " before it)");
          }
          if (before == 0) {
            p.add(
                "node-0 listed no evidence of node-"
                    + n
                    + "'s equivocations even before its restart");
          }
        });
  }

  private static long count(List<EquivocationEvidence> evidence, ByteString who) {
    return evidence.stream().filter(e -> e.getValidator().equals(who)).count();
  }

  public Outcome futureProposalFlood() throws Exception {
    return run(
        "timed_messages_total{event=\"ProposalReceived\",verdict=unknown_validator|wrong_proposer|too_large|overloaded}"
            + " or timed_peer_penalties_total or timed_peer_disconnections_total",
        l ->
            messages(
                        "ProposalReceived",
                        "unknown_validator",
                        "wrong_proposer",
                        "too_large",
                        "overloaded")
                    .test(l)
                || l.startsWith("timed_peer_penalties_total{")
                || l.startsWith("timed_peer_disconnections_total{"),
        () -> peer.futureProposalFlood(80, (8 << 20) - (64 << 10), 40_000),
        NONE);
  }

  public Outcome garbageFrames() throws Exception {
    return run(
        "timed_peer_disconnections_total",
        metric("timed_peer_disconnections_total"),
        () -> peer.garbageFrames(3),
        (c, p) -> {
          Thread.sleep(5_000);
          Set<ByteString> garbage = Set.copyOf(peer.garbageKeys());
          for (int i : honest) {
            GetStatusResponse s = observer.status(i);
            long zombies =
                s == null
                    ? 0
                    : s.getPeersList().stream()
                        .map(PeerInfo::getNodeKey)
                        .filter(garbage::contains)
                        .count();
            if (zombies > 0) {
              p.add(
                  "node-"
                      + i
                      + " still lists "
                      + zombies
                      + " peers whose stream died on a garbage frame 5 s ago (zombies)");
            }
          }
        });
  }

  public Outcome replayedHellos() throws Exception {
    return run(
        "timed_peer_disconnections_total",
        metric("timed_peer_disconnections_total"),
        () -> peer.replayedHellos(1),
        (c, p) -> {
          if (c.get("replays_admitted") > 0) {
            p.add(
                c.get("replays_admitted")
                    + " of "
                    + c.get("replays_sent")
                    + " replayed hellos were admitted");
          }
        });
  }

  public Outcome idleSyncStreams() throws Exception {
    return run(
        "timed_peer_sync_refused_total",
        metric("timed_peer_sync_refused_total"),
        () -> peer.idleSyncStreams(2_000, 10_000),
        (c, p) -> {
          if (c.get("streams_refused") == 0) {
            p.add(
                "all "
                    + c.get("streams_opened")
                    + " SyncBlocks streams without a Hello were served");
          }
        });
  }

  /**
   * Node-{@code n} is stopped, listed three lying sync sources among its peers, each claiming a
   * height far ahead, and falls 8 blocks behind; then it is started again. Two of them pass on the
   * genuine votes they hear on links of their own to honest nodes, ahead of the honest copies, so
   * that their heights are proven and node-{@code n} asks them: one stalls (it must be abandoned
   * after the progress deadline), one serves tampered bodies (refused, penalized). The third only
   * claims its height: it must never be asked. Node-{@code n} must catch up with the others.
   */
  public Outcome lyingSyncSource(int n) throws Exception {
    List<Integer> others = new ArrayList<>(honest);
    others.remove(Integer.valueOf(n));
    LyingSyncSource[] sources = new LyingSyncSource[3];
    boolean[] caughtUp = {false};
    Predicate<String> punished =
        metric(
            "timed_peer_penalties_total", "reason=\"sync_stall\"", "reason=\"sync_refused_block\"");
    try {
      return run(
          "timed_peer_penalties_total{reason=sync_stall|sync_refused_block}",
          punished,
          () -> {
            ByzantinePeer.Counts c =
                new ByzantinePeer.Counts("lying, stalling and tampering sync sources");
            sources[0] =
                new LyingSyncSource(
                    cluster.chainId(),
                    cluster.genesisHash(),
                    LyingSyncSource.Mode.TAMPERED,
                    1_000_000,
                    cluster.client(others.get(0)),
                    cluster.channel(cluster.peerPort(others.get(0))));
            sources[1] =
                new LyingSyncSource(
                    cluster.chainId(),
                    cluster.genesisHash(),
                    LyingSyncSource.Mode.STALL,
                    1_000_001,
                    null,
                    cluster.channel(cluster.peerPort(others.get(1))));
            sources[2] =
                new LyingSyncSource(
                    cluster.chainId(),
                    cluster.genesisHash(),
                    LyingSyncSource.Mode.STALL,
                    1_000_002,
                    null,
                    null); // the greatest claim, and nothing to prove it
            cluster.stop(n);
            cluster.setExtraPeers(
                n, List.of(sources[0].address(), sources[1].address(), sources[2].address()));
            observer.awaitHeight(others, observer.lowest(others) + 8, 30);
            cluster.start(n);
            caughtUp[0] = observer.awaitHeight(List.of(n), observer.lowest(others), 45);
            c.add("connects", sources[0].connects.get() + sources[1].connects.get());
            c.add("votes_relayed", sources[0].votesRelayed.get() + sources[1].votesRelayed.get());
            c.add("sync_requests_to_tampering", sources[0].syncRequests.get());
            c.add("tampered_blocks_served", sources[0].tamperedBlocksServed.get());
            c.add("sync_requests_to_stalling", sources[1].syncRequests.get());
            c.add(
                "sync_requests_to_liars",
                sources[0].syncRequests.get() + sources[1].syncRequests.get());
            c.add("claim_only_connects", sources[2].connects.get());
            c.add("claim_only_sync_requests", sources[2].syncRequests.get());
            return c;
          },
          (c, p) -> {
            if (!caughtUp[0]) {
              p.add(
                  "node-"
                      + n
                      + " did not catch up within 45 s of its restart (at "
                      + observer.height(n)
                      + ", the others at "
                      + observer.lowest(others)
                      + ")");
            }
            if (c.get("sync_requests_to_liars") == 0) {
              p.add(
                  "node-"
                      + n
                      + " never asked a lying source that relayed genuine votes for blocks: the attack was not tried");
            }
            if (c.get("claim_only_connects") == 0) {
              p.add(
                  "node-"
                      + n
                      + " never connected to the source that only claims a height: its check was not tried");
            }
            if (c.get("claim_only_sync_requests") > 0) {
              p.add(
                  "node-"
                      + n
                      + " asked a source for blocks on the strength of the height its hello claims alone");
            }
            // node-n was restarted: its counters are this attack's alone
            long stalls =
                (long)
                    observer.sum(
                        List.of(n), metric("timed_peer_penalties_total", "reason=\"sync_stall\""));
            long refusedBlocks =
                (long)
                    observer.sum(
                        List.of(n),
                        metric("timed_peer_penalties_total", "reason=\"sync_refused_block\""));
            long dropped =
                (long)
                    observer.sum(
                        List.of(n),
                        metric(
                            "timed_peer_disconnections_total",
                            "reason=\"sync_stall\"",
                            "reason=\"sync_refused_block\""));
            c.add("node_sync_stall_penalties", stalls);
            c.add("node_sync_refused_block_penalties", refusedBlocks);
            c.add("node_sync_disconnections", dropped);
            if (c.get("sync_requests_to_stalling") > 0 && stalls == 0) {
              p.add(
                  "node-"
                      + n
                      + " asked the stalling source but counted no sync_stall penalty: was it abandoned?");
            }
            if (c.get("tampered_blocks_served") > 0 && refusedBlocks == 0) {
              p.add(
                  "node-"
                      + n
                      + " was served "
                      + c.get("tampered_blocks_served")
                      + " tampered blocks but counted no"
                      + " sync_refused_block penalty");
            }
            if (stalls + refusedBlocks > 0 && dropped == 0) {
              p.add("node-" + n + " penalized a lying source but did not disconnect it");
            }
          });
    } finally {
      cluster.setExtraPeers(
          n, List.of()); // the next restart of that node dials the honest nodes only
      for (LyingSyncSource s : sources) {
        if (s != null) {
          s.close();
        }
      }
    }
  }

  /**
   * Every attack class, in the order they run: the ones that may halt or exhaust a node today last.
   */
  public List<Outcome> runAll() throws Exception {
    List<Outcome> all = new ArrayList<>();
    all.add(tamperedBodies());
    all.add(forgedVotes());
    all.add(equivocation(3));
    all.add(replayedHellos());
    all.add(garbageFrames());
    all.add(idleSyncStreams());
    all.add(lyingSyncSource(2));
    all.add(futureProposalFlood());
    return all;
  }

  @Override
  public void close() throws Exception {
    if (load != null) {
      load.close();
    }
    peer.close();
    cluster.close();
  }
}

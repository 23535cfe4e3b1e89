package io.timecoin.consensus.sim;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.UnknownFields;
import io.timecoin.consensus.signer.MemorySignerRecordStore;
import io.timecoin.consensus.signer.RecordKeepingSigner;
import io.timecoin.consensus.statemachine.ConsensusConfig;
import io.timecoin.consensus.statemachine.ConsensusEngine;
import io.timecoin.consensus.statemachine.Effect;
import io.timecoin.consensus.statemachine.Event;
import io.timecoin.consensus.statemachine.Outcome;
import io.timecoin.consensus.statemachine.Verdict;
import io.timecoin.consensus.types.BlockTemplate;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.consensus.types.SignedStep;
import io.timecoin.consensus.types.Signer;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.ledger.BlockExecution;
import io.timecoin.ledger.Ledger;
import io.timecoin.ledger.LedgerParams;
import io.timecoin.ledger.Mempool;
import io.timecoin.ledger.StateChanges;
import io.timecoin.node.config.Genesis;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockBody;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.Vote;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import io.timecoin.protocol.ValidatorSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A deterministic network of validators running the real consensus engine with real Ed25519 keys,
 * each over a ledger of its own: the node's {@link Ledger} proposes its blocks (a REWARD and the
 * transfers in its mempool), judges every block it is offered, and executes the finalized ones. A
 * wallet keeps a few signed transfers in flight, so blocks carry witnesses to tamper with. One
 * seeded random source drives delays, loss, duplication and the adversaries, and a virtual clock
 * orders everything, so a seed replays the same run exactly.
 */
public final class Simulation {
  static final String CHAIN_ID = "timecoin-sim";
  static final long T0 = 1_800_000_000_000L;
  private static final int SYNC_BATCH = 50;
  private static final long SYNC_EVERY_MS = 250;

  /** Coins the wallet keeps moving, each its own chain of transfers: up to this many per block. */
  private static final int COINS = 3;

  private static final long COIN_UNITS = 1_000_000 * Units.UNITS_PER_TIME;

  private final Scenario scenario;
  private final Random random;
  private final List<Ed25519KeyPair> validatorKeys = new ArrayList<>();
  private final ValidatorSet genesisSet;
  private final ChainTip genesis;
  private final StateChanges genesisChanges;
  private final LedgerParams params;
  private final List<Ed25519KeyPair> walletKeys = new ArrayList<>();
  private final List<Coin> coins = new ArrayList<>();
  private final ConsensusConfig config;
  private final List<Node> nodes = new ArrayList<>();
  private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
  private final Map<ByteString, Boolean> verified = new HashMap<>();
  private final SignatureVerifier memoVerifier = this::verifyOnce;
  private List<Set<Integer>> partition;
  private long now;
  private long sequence;

  // what the invariants look at
  private final List<String> violations = new ArrayList<>();
  private final Map<Long, Block> agreed = new HashMap<>();
  private final Map<Long, Integer> agreedBy = new HashMap<>();
  private final Map<String, ByteString> honestSigned = new HashMap<>();
  private final Map<String, Integer> verdicts = new TreeMap<>();
  private long maxHonestHeightAtHeal = -1;
  private long messages;
  private int evidence;
  private int transfers;

  /** What one run found. */
  public record Result(
      Scenario scenario,
      List<String> violations,
      List<Long> finalHeights,
      long messages,
      int evidence,
      Map<String, Integer> verdicts,
      long heightAtHeal,
      int transfers) {
    public boolean ok() {
      return violations.isEmpty();
    }

    /** The lowest final height among honest nodes that are up. */
    public long minHonestHeight() {
      return finalHeights.stream().filter(h -> h >= 0).mapToLong(Long::longValue).min().orElse(0);
    }

    public int count(String verdict) {
      return verdicts.getOrDefault(verdict, 0);
    }
  }

  private record Scheduled(long time, long seq, Runnable action) implements Comparable<Scheduled> {
    @Override
    public int compareTo(Scheduled o) {
      return time != o.time ? Long.compare(time, o.time) : Long.compare(seq, o.seq);
    }
  }

  /** Messages that are not consensus messages: catch-up. */
  private record SyncRequest(long fromHeight) {}

  private record SyncBlocks(List<Block> blocks, List<FinalityCertificate> certificates) {}

  /** One of the wallet's coins: the output it is now, and the transfer spending it once sent. */
  private static final class Coin {
    OutPoint at;
    long amount;
    int owner;
    Transaction pending;
    ByteString pendingId;

    Coin(OutPoint at, long amount, int owner) {
      this.at = at;
      this.amount = amount;
      this.owner = owner;
    }
  }

  private final class Node {
    final int id;
    final Scenario.NodeSpec spec;
    final Ed25519KeyPair key;

    /** The signer record survives crashes: it lives outside the node's memory. */
    final MemorySignerRecordStore store = new MemorySignerRecordStore();

    /** Its chain state, lost in a crash like the blocks (a restart begins again from genesis). */
    MemoryLedgerStore chain;

    Ledger ledger;
    ConsensusEngine engine;
    boolean up;
    boolean silent;
    int incarnation;
    final List<Block> blocks = new ArrayList<>();
    final List<FinalityCertificate> certificates = new ArrayList<>();
    long lastSyncAsk = -SYNC_EVERY_MS;
    final Map<Integer, Long> lastHelp = new HashMap<>();
    final Map<ByteString, ByteString> altBlock = new HashMap<>();
    final List<Object> recorded = new ArrayList<>();

    /** A tampering relayer's victims, by the signature of the proposal it front-runs. */
    final Map<ByteString, Set<Integer>> victims = new HashMap<>();

    Node(int id, Scenario.NodeSpec spec, Ed25519KeyPair key) {
      this.id = id;
      this.spec = spec;
      this.key = key;
      this.silent = spec.behaviour() == Scenario.Behaviour.SILENT;
    }

    long height() {
      return blocks.size();
    }
  }

  public Simulation(Scenario scenario) {
    this.scenario = scenario;
    this.random = new Random(scenario.seed());
    // a validator's weight is its collateral in whole TIME
    List<Genesis.Masternode> masternodes = new ArrayList<>();
    for (int i = 0; i < scenario.weights().size(); i++) {
      Ed25519KeyPair k =
          Ed25519KeyPair.fromSeed(
              Sha256.hash(("sim validator " + i).getBytes(StandardCharsets.UTF_8)));
      validatorKeys.add(k);
      masternodes.add(
          new Genesis.Masternode(
              k.publicKey(),
              Address.of(k.publicKey()),
              Address.of(k.publicKey()),
              scenario.weights().get(i) * Units.UNITS_PER_TIME));
    }
    List<Genesis.Allocation> allocations = new ArrayList<>();
    for (int i = 0; i < COINS; i++) {
      Ed25519KeyPair k =
          Ed25519KeyPair.fromSeed(
              Sha256.hash(("sim wallet " + i).getBytes(StandardCharsets.UTF_8)));
      walletKeys.add(k);
      allocations.add(new Genesis.Allocation(Address.of(k.publicKey()), COIN_UNITS));
    }
    Genesis doc =
        Genesis.withDefaults(CHAIN_ID, T0, scenario.blockIntervalMs(), masternodes, allocations);
    Block genesisBlock = doc.block();
    genesisChanges =
        Ledger.genesisChanges(genesisBlock, doc.masternodeRecords(), doc.maxValidators());
    params = doc.ledgerParams();
    genesisSet = genesisChanges.nextSet();
    genesis = new ChainTip(0, Hashes.block(genesisBlock.getHeader()), T0, null, null, genesisSet);
    ByteString genesisTxid = Hashes.transaction(genesisBlock.getBody().getTransactions(0));
    for (int i = 0; i < COINS; i++) {
      coins.add(
          new Coin(OutPoint.newBuilder().setTxid(genesisTxid).setIndex(i).build(), COIN_UNITS, i));
    }
    config = ConsensusConfig.defaults(CHAIN_ID, scenario.blockIntervalMs());
    for (int i = 0; i < scenario.nodes().size(); i++) {
      Scenario.NodeSpec spec = scenario.nodes().get(i);
      Ed25519KeyPair key =
          spec.validator() >= 0
              ? validatorKeys.get(spec.validator())
              : Ed25519KeyPair.fromSeed(
                  Sha256.hash(("sim outsider " + i).getBytes(StandardCharsets.UTF_8)));
      nodes.add(new Node(i, spec, key));
    }
  }

  public static Result run(Scenario scenario) {
    return new Simulation(scenario).run();
  }

  public Result run() {
    for (Node n : nodes) {
      at(0, () -> boot(n));
    }
    for (Scenario.Fault f : scenario.faults()) {
      at(f.atMs(), () -> apply(f));
    }
    at(0, this::sendTransfers);
    at(
        scenario.healAtMs(),
        () -> maxHonestHeightAtHeal = honestUp().stream().mapToLong(Node::height).max().orElse(0));
    while (!queue.isEmpty() && queue.peek().time() <= scenario.endMs()) {
      Scheduled s = queue.poll();
      now = s.time();
      s.action().run();
    }
    checkLiveness();
    List<Long> heights = new ArrayList<>();
    for (Node n : nodes) {
      heights.add(n.spec.honest() && n.up ? n.height() : -1);
    }
    return new Result(
        scenario,
        violations,
        heights,
        messages,
        evidence,
        verdicts,
        maxHonestHeightAtHeal,
        transfers);
  }

  // ---------------------------------------------------------------- time and faults

  private void at(long time, Runnable action) {
    queue.add(new Scheduled(time, sequence++, action));
  }

  private void apply(Scenario.Fault fault) {
    if (fault instanceof Scenario.Partition p) {
      partition = p.groups();
    } else if (fault instanceof Scenario.Heal) {
      partition = null;
    } else if (fault instanceof Scenario.Crash c) {
      Node n = nodes.get(c.node());
      n.up = false;
      n.incarnation++;
      n.engine = null;
      n.ledger = null;
      n.chain = null;
    } else if (fault instanceof Scenario.Restart r) {
      Node n = nodes.get(r.node());
      if (!n.up) {
        n.blocks.clear(); // it reloads its signer record and nothing else
        n.certificates.clear();
        boot(n);
      }
    } else if (fault instanceof Scenario.Speak s) {
      nodes.get(s.node()).silent = false;
    }
  }

  private void boot(Node n) {
    n.up = true;
    n.incarnation++;
    if (!n.spec.runsEngine()) {
      return; // no engine: it only listens and misbehaves
    }
    n.chain = new MemoryLedgerStore();
    n.chain.put(genesisChanges);
    n.ledger =
        new Ledger(
            params, n.chain, 0, genesis.blockHash(), new Mempool(1_000, 1 << 20), memoVerifier);
    try {
      n.engine =
          new ConsensusEngine(
              config,
              genesis,
              n.ledger,
              n.ledger,
              signer(n),
              () -> T0 + now + n.spec.clockSkewMs(),
              memoVerifier);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    offerTransfers(n);
    handle(n, new Event.Start());
  }

  private boolean connected(int a, int b) {
    if (partition == null) {
      return true;
    }
    for (Set<Integer> g : partition) {
      if (g.contains(a)) {
        return g.contains(b);
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- the network

  private void send(Node from, int to, Object message) {
    if (to == from.id || !connected(from.id, to)) {
      return;
    }
    messages++;
    boolean unstable = now < scenario.healAtMs();
    Scenario.Network net = scenario.network();
    Node target = nodes.get(to);
    long arrival = now + delay(unstable);
    if (message instanceof Proposal p) {
      frontRun(from, target, p, arrival);
    }
    if (unstable && random.nextDouble() < net.loss()) {
      return;
    }
    at(arrival, () -> deliver(target, message, from.id));
    if (unstable && random.nextDouble() < net.duplicate()) {
      at(now + delay(unstable), () -> deliver(target, message, from.id));
    }
  }

  private long delay(boolean unstable) {
    Scenario.Network net = scenario.network();
    long max = unstable ? net.maxDelayMs() : Math.min(net.maxDelayMs(), 50);
    long min = Math.min(net.minDelayMs(), max);
    return min + (long) (random.nextDouble() * (max - min + 1));
  }

  private void sendToAll(Node from, Object message) {
    for (Node n : nodes) {
      send(from, n.id, message);
    }
  }

  private void deliver(Node n, Object message, int from) {
    if (!n.up) {
      return;
    }
    if (n.spec.behaviour() == Scenario.Behaviour.OUTSIDER) {
      misbehave(n, message);
      return;
    }
    if (n.engine == null) {
      return; // a relayer that is not a validator: it acts in frontRun
    }
    if (message instanceof Proposal p
        && hasUnknownFields(p)) { // votes: no one here tampers with them
      verdicts.merge("MALFORMED (peer port)", 1, Integer::sum);
      return;
    }
    if (message instanceof Proposal p) {
      handle(n, new Event.ProposalReceived(p));
      catchUp(n, p.getHeight(), from);
    } else if (message instanceof Vote v) {
      handle(n, new Event.VoteReceived(v));
      catchUp(n, v.getHeight(), from);
    } else if (message instanceof SyncRequest r) {
      help(n, from, r.fromHeight());
    } else if (message instanceof SyncBlocks s) {
      for (int i = 0; i < s.blocks().size(); i++) {
        if (n.engine == null || s.blocks().get(i).getHeader().getHeight() != n.engine.height()) {
          continue;
        }
        if (hasUnknownFields(s.blocks().get(i))) {
          verdicts.merge("MALFORMED (peer port)", 1, Integer::sum);
          continue;
        }
        handle(n, new Event.BlockSynced(s.blocks().get(i), s.certificates().get(i)));
      }
    }
  }

  /**
   * What the node's peer port refuses before the engine sees a message (RefuseUnknownFields): a
   * field its schema does not name, anywhere inside (hashes and signatures do not cover such
   * fields, so a relayer can add them).
   */
  private static boolean hasUnknownFields(com.google.protobuf.Message m) {
    return UnknownFields.find(m) != null;
  }

  /** Host logic around the engine: a peer ahead is asked for blocks; a peer behind is sent them. */
  private void catchUp(Node n, long messageHeight, int from) {
    if (n.engine == null || !nodes.get(from).spec.runsEngine()) {
      return;
    }
    if (messageHeight > n.engine.height() && now - n.lastSyncAsk >= SYNC_EVERY_MS) {
      n.lastSyncAsk = now;
      send(n, from, new SyncRequest(n.engine.height()));
    } else if (messageHeight < n.engine.height()) {
      help(n, from, messageHeight);
    }
  }

  private void help(Node n, int to, long fromHeight) {
    if (now - n.lastHelp.getOrDefault(to, -SYNC_EVERY_MS) < SYNC_EVERY_MS
        || fromHeight > n.height()
        || fromHeight < 1) {
      return;
    }
    n.lastHelp.put(to, now);
    int first = (int) fromHeight - 1;
    int last = (int) Math.min(n.height(), fromHeight - 1 + SYNC_BATCH);
    List<Block> blocks = n.blocks.subList(first, last);
    if (n.spec.behaviour() == Scenario.Behaviour.TAMPERING_RELAYER) {
      blocks = blocks.stream().map(this::tamper).toList();
    }
    send(
        n,
        to,
        new SyncBlocks(List.copyOf(blocks), List.copyOf(n.certificates.subList(first, last))));
  }

  // ---------------------------------------------------------------- the engine's host

  private void handle(Node n, Event event) {
    Outcome outcome = n.engine.handle(event);
    Verdict v = outcome.verdict();
    if (TRACE) {
      System.out.println(
          "t="
              + now
              + " n"
              + n.id
              + " h"
              + n.engine.height()
              + "r"
              + n.engine.round()
              + " "
              + n.engine.step()
              + " <- "
              + describe(event)
              + " : "
              + v
              + " -> "
              + outcome.effects().stream().map(Simulation::describe).toList());
    }
    if (!(event instanceof Event.TimeoutFired) && !(event instanceof Event.Start)) {
      verdicts.merge(
          v.reason() == null ? v.kind().name() : io.timecoin.protocol.ErrorReasons.code(v.reason()),
          1,
          Integer::sum);
    }
    int incarnation = n.incarnation;
    for (Effect e : outcome.effects()) {
      if (e instanceof Effect.BroadcastProposal p) {
        broadcast(n, p.proposal());
      } else if (e instanceof Effect.BroadcastVote bv) {
        broadcast(n, bv.vote());
      } else if (e instanceof Effect.ScheduleTimeout t) {
        at(
            now + t.delayMs(),
            () -> {
              if (n.up && n.incarnation == incarnation) {
                handle(n, new Event.TimeoutFired(t.timeout()));
              }
            });
      } else if (e instanceof Effect.Finalize f) {
        finalized(n, f.block(), f.certificate());
      } else if (e instanceof Effect.ReportEvidence) {
        evidence++;
      }
    }
  }

  private static final boolean TRACE = Boolean.getBoolean("timed.sim.trace");

  private static String describe(Object o) {
    if (o instanceof Event.VoteReceived v) {
      return describe(v.vote());
    } else if (o instanceof Event.ProposalReceived p) {
      return describe(p.proposal());
    } else if (o instanceof Effect.BroadcastVote v) {
      return "send " + describe(v.vote());
    } else if (o instanceof Effect.BroadcastProposal p) {
      return "send " + describe(p.proposal());
    } else if (o instanceof Vote v) {
      return (v.getType() == io.timecoin.proto.v1.VoteType.VOTE_TYPE_PREPARE
              ? "prepare"
              : "precommit")
          + "(h"
          + v.getHeight()
          + "r"
          + v.getRound()
          + " "
          + shortHash(v.getBlockHash())
          + " by "
          + shortHash(v.getValidator())
          + ")";
    } else if (o instanceof Proposal p) {
      return "proposal(h"
          + p.getHeight()
          + "r"
          + p.getRound()
          + " vr"
          + p.getValidRound()
          + " "
          + shortHash(Hashes.block(p.getBlock().getHeader()))
          + " by "
          + shortHash(p.getProposer())
          + ")";
    } else if (o instanceof Effect.ScheduleTimeout t) {
      return "timer " + t.timeout().kind() + " r" + t.timeout().round() + " +" + t.delayMs();
    } else if (o instanceof Event.TimeoutFired t) {
      return "fired "
          + t.timeout().kind()
          + " h"
          + t.timeout().height()
          + " r"
          + t.timeout().round();
    }
    return o.getClass().getSimpleName();
  }

  private static String shortHash(ByteString b) {
    return b.equals(Hashes.NIL) ? "nil" : java.util.HexFormat.of().formatHex(b.toByteArray(), 0, 3);
  }

  // ---------------------------------------------------------------- the wallet

  /**
   * Every coin not in flight gets a signed transfer to the next wallet key, offered to every node.
   */
  private void sendTransfers() {
    for (Coin c : coins) {
      // the fee the chain requires of a 1-in-1-out transfer (docs/protocol.md 4.3); the amount does
      // not change it
      long fee =
          params
              .fees()
              .required(
                  Transactions.transfer(
                          List.of(c.at),
                          List.of(
                              Transactions.output(
                                  1, Address.of(walletKeys.get(c.owner).publicKey()))))
                      .build());
      if (c.pending == null && c.amount >= fee + params.minOutput()) {
        Ed25519KeyPair to = walletKeys.get((c.owner + 1) % walletKeys.size());
        c.pending =
            Transactions.sign(
                Transactions.transfer(
                    List.of(c.at),
                    List.of(Transactions.output(c.amount - fee, Address.of(to.publicKey())))),
                CHAIN_ID,
                List.of(walletKeys.get(c.owner)),
                List.of());
        c.pendingId = Hashes.transaction(c.pending);
      }
    }
    for (Node n : nodes) {
      offerTransfers(n);
    }
  }

  /**
   * The transfers in flight, to one node's mempool (as clients and gossip would bring them).
   * Offered again whenever its state moves: a node behind refuses a transfer whose input it has not
   * seen.
   */
  private void offerTransfers(Node n) {
    if (n.up && n.ledger != null) {
      for (Coin c : coins) {
        if (c.pending != null) {
          n.ledger.admit(c.pending, false);
        }
      }
    }
  }

  /** The first honest finalization of a block moves the coins its transfers spent. */
  private void coinsMoved(Block block) {
    boolean moved = false;
    for (Transaction tx : block.getBody().getTransactionsList()) {
      ByteString txid = Hashes.transaction(tx);
      for (Coin c : coins) {
        if (c.pending != null && c.pendingId.equals(txid)) {
          c.at = OutPoint.newBuilder().setTxid(c.pendingId).setIndex(0).build();
          c.amount = tx.getOutputs(0).getAmount();
          c.owner = (c.owner + 1) % walletKeys.size();
          c.pending = null;
          moved = true;
          transfers++;
        }
      }
    }
    if (moved) {
      sendTransfers();
    }
  }

  private Signer signer(Node n) throws IOException {
    RecordKeepingSigner inner = new RecordKeepingSigner(n.key, n.store);
    return new Signer() {
      @Override
      public ByteString publicKey() {
        return inner.publicKey();
      }

      @Override
      public Optional<ByteString> sign(SignedStep step, byte[] bytes, Lock lock) {
        Optional<ByteString> sig = inner.sign(step, bytes, lock);
        if (sig.isPresent() && n.spec.honest()) {
          checkSignedOnce(n, step);
        }
        return sig;
      }

      @Override
      public Optional<Lock> lockAt(long height) {
        return inner.lockAt(height);
      }

      @Override
      public List<SignedStep> signedAt(long height) {
        return inner.signedAt(height);
      }
    };
  }

  private boolean verifyOnce(
      io.timecoin.crypto.Ed25519PublicKey key, byte[] message, ByteString signature) {
    ByteString memoKey =
        signature.concat(ByteString.copyFrom(message)).concat(ByteString.copyFrom(key.bytes()));
    return verified.computeIfAbsent(memoKey, k -> key.verify(message, signature.toByteArray()));
  }

  // ---------------------------------------------------------------- the adversaries

  private void broadcast(Node n, Object message) {
    if (n.silent) {
      return;
    }
    switch (n.spec.behaviour()) {
      case EQUIVOCATING_PROPOSER -> equivocate(n, message);
      case DOUBLE_VOTER -> doubleVote(n, message);
      default -> sendToAll(n, message);
    }
  }

  /**
   * A new proposal goes out as two valid blocks, one to each half (the second a millisecond later:
   * another hash, the same transactions); votes follow each half's block.
   */
  private void equivocate(Node n, Object message) {
    if (message instanceof Proposal p && p.getValidRound() == -1) {
      BlockHeader h = p.getBlock().getHeader();
      Block alt =
          n.ledger.propose(
              new BlockTemplate(
                  CHAIN_ID,
                  h.getHeight(),
                  h.getTimestampMs() + 1,
                  h.getPrevHash(),
                  p.getBlock().getBody().hasLastCertificate()
                      ? p.getBlock().getBody().getLastCertificate()
                      : null,
                  h.getValidatorSetHash(),
                  h.getProposer()));
      Proposal other = p.toBuilder().setBlock(alt).build();
      other =
          other.toBuilder()
              .setSignature(ByteString.copyFrom(n.key.sign(CanonicalBytes.proposal(other))))
              .build();
      n.altBlock.put(Hashes.block(h), Hashes.block(alt.getHeader()));
      splitSend(n, p, other, p.getHeight());
    } else if (message instanceof Vote v && n.altBlock.containsKey(v.getBlockHash())) {
      splitSend(n, v, resign(n, v, n.altBlock.get(v.getBlockHash())), v.getHeight());
    } else {
      sendToAll(n, message);
    }
  }

  /** Every vote goes to one half; the other half gets a vote for something else. */
  private void doubleVote(Node n, Object message) {
    if (message instanceof Vote v) {
      ByteString other =
          v.getBlockHash().equals(Hashes.NIL)
              ? ByteString.copyFrom(
                  Sha256.hash(
                      ("other " + v.getHeight() + "/" + v.getRound())
                          .getBytes(StandardCharsets.UTF_8)))
              : Hashes.NIL;
      splitSend(n, v, resign(n, v, other), v.getHeight());
    } else {
      sendToAll(n, message);
    }
  }

  private static Vote resign(Node n, Vote v, ByteString hash) {
    Vote unsigned = v.toBuilder().setBlockHash(hash).build();
    return unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(n.key.sign(CanonicalBytes.vote(unsigned))))
        .build();
  }

  private void splitSend(Node n, Object first, Object second, long height) {
    for (Node target : nodes) {
      send(n, target.id, (target.id + height) % 2 == 0 ? first : second);
    }
  }

  /**
   * Every tampering relayer that is up and reaches both ends gets {@code proposal} first and hands
   * its victims (between f+1 and 2f of the honest nodes, chosen anew for each proposal) a tampered
   * copy just before the genuine one arrives: the worst case of a relayer close to them.
   */
  private void frontRun(Node from, Node target, Proposal proposal, long arrival) {
    for (Node r : nodes) {
      if (r.spec.behaviour() != Scenario.Behaviour.TAMPERING_RELAYER
          || !r.up
          || r.id == target.id
          || !connected(from.id, r.id)
          || !connected(r.id, target.id)
          || !victims(r, proposal).contains(target.id)) {
        continue;
      }
      messages++;
      Proposal tampered = proposal.toBuilder().setBlock(tamper(proposal.getBlock())).build();
      at(
          arrival,
          () ->
              deliver(
                  target, tampered, r.id)); // queued before the genuine copy of the same instant
    }
  }

  private Set<Integer> victims(Node relayer, Proposal proposal) {
    return relayer.victims.computeIfAbsent(
        proposal.getSignature(),
        sig -> {
          List<Integer> honest = new ArrayList<>();
          for (Node n : nodes) {
            if (n.spec.honest()
                && !ByteString.copyFrom(n.key.publicKey().bytes()).equals(proposal.getProposer())) {
              honest.add(n.id);
            }
          }
          java.util.Collections.shuffle(honest, random);
          int f = Math.max(1, (validatorKeys.size() - 1) / 3);
          int count = Math.min(f + 1 + random.nextInt(f), honest.size());
          return Set.copyOf(honest.subList(0, count));
        });
  }

  /**
   * The block with its header untouched and its body changed where no hash reaches: one bit of a
   * transfer's witness flipped (the txid leaves witnesses out), or, in a block without transfers
   * and one time in four otherwise, an unknown field appended to the body.
   */
  private Block tamper(Block block) {
    BlockBody body = block.getBody();
    if (random.nextInt(4) != 0) {
      for (int i = 1; i < body.getTransactionsCount(); i++) {
        Transaction tx = body.getTransactions(i);
        if (tx.getInputsCount() > 0) {
          byte[] sig = tx.getInputs(0).getWitness().getSignature().toByteArray();
          sig[random.nextInt(sig.length)] ^= (byte) (1 << random.nextInt(8));
          Transaction.Builder bad = tx.toBuilder();
          bad.getInputsBuilder(0).getWitnessBuilder().setSignature(ByteString.copyFrom(sig));
          return block.toBuilder().setBody(body.toBuilder().setTransactions(i, bad)).build();
        }
      }
    }
    UnknownFieldSet extra =
        UnknownFieldSet.newBuilder()
            .addField(
                15, UnknownFieldSet.Field.newBuilder().addVarint(random.nextInt(1 << 20)).build())
            .build();
    return block.toBuilder().setBody(body.toBuilder().mergeUnknownFields(extra)).build();
  }

  /** A non-member: forges votes with its own key, impersonates, flips signature bits, replays. */
  private void misbehave(Node n, Object message) {
    if (!(message instanceof Vote v)) {
      return;
    }
    if (n.recorded.size() < 400) {
      n.recorded.add(v);
    }
    double roll = random.nextDouble();
    ByteString own = ByteString.copyFrom(n.key.publicKey().bytes());
    if (roll < 0.15) {
      Vote forged = v.toBuilder().setValidator(own).build();
      sendToAll(
          n,
          forged.toBuilder()
              .setSignature(ByteString.copyFrom(n.key.sign(CanonicalBytes.vote(forged))))
              .build());
    } else if (roll < 0.25) {
      byte[] sig = v.getSignature().toByteArray();
      sig[random.nextInt(64)] ^= (byte) (1 << random.nextInt(8));
      sendToAll(n, v.toBuilder().setSignature(ByteString.copyFrom(sig)).build());
    } else if (roll < 0.35) {
      ByteString victim =
          ByteString.copyFrom(
              validatorKeys.get(random.nextInt(validatorKeys.size())).publicKey().bytes());
      Vote claimed = v.toBuilder().setValidator(victim).build();
      sendToAll(
          n,
          claimed.toBuilder()
              .setSignature(ByteString.copyFrom(n.key.sign(CanonicalBytes.vote(claimed))))
              .build());
    } else if (roll < 0.45 && !n.recorded.isEmpty()) {
      sendToAll(n, n.recorded.get(random.nextInt(n.recorded.size())));
    }
  }

  // ---------------------------------------------------------------- invariants

  private List<Node> honestUp() {
    return nodes.stream().filter(n -> n.spec.honest() && n.up).toList();
  }

  /** No honest validator ever signs two different things for one (height, round, step). */
  private void checkSignedOnce(Node n, SignedStep step) {
    String slot =
        "v" + n.spec.validator() + " h" + step.height() + " r" + step.round() + " " + step.kind();
    ByteString before = honestSigned.putIfAbsent(slot, step.blockHash());
    if (before != null && !before.equals(step.blockHash())) {
      violations.add("conflicting signatures by honest node " + n.id + ": " + slot);
    }
  }

  /**
   * The host's part, as Node does it: execute the block, store its changes, hand the ledger the
   * result.
   */
  private void finalized(Node n, Block block, FinalityCertificate cert) {
    long h = block.getHeader().getHeight();
    ByteString hash = Hashes.block(block.getHeader());
    boolean first = false;
    if (n.spec.honest()) {
      if (h != n.height() + 1) {
        violations.add("node " + n.id + " finalized height " + h + " after " + n.height());
      }
      // agreement: no two honest nodes finalize different blocks at one height, nor other bytes of
      // one
      Block before = agreed.putIfAbsent(h, block);
      first = before == null;
      if (first) {
        agreedBy.put(h, n.id);
      }
      if (!first && !Hashes.block(before.getHeader()).equals(hash)) {
        violations.add(
            "agreement: node "
                + n.id
                + " finalized another block at height "
                + h
                + " (t="
                + now
                + ")");
      } else if (!first && !before.equals(block)) {
        violations.add(
            "agreement: node "
                + n.id
                + " finalized block "
                + h
                + " with another body than node "
                + agreedBy.get(h)
                + " ("
                + difference(before.getBody(), block.getBody())
                + ", t="
                + now
                + ")");
      }
      checkValidity(n, block, cert, hash);
    }
    BlockExecution execution;
    try {
      execution = n.ledger.execution(block);
    } catch (IllegalStateException e) {
      violations.add("validity: node " + n.id + ": " + e.getMessage());
      n.up = false; // a node stops when its store cannot follow its engine
      n.engine = null;
      return;
    }
    n.chain.put(execution.changes());
    n.ledger.stored(execution);
    n.blocks.add(block);
    n.certificates.add(cert);
    if (first) {
      coinsMoved(block);
    }
    offerTransfers(n);
  }

  private static String difference(BlockBody a, BlockBody b) {
    if (!a.getUnknownFields().equals(b.getUnknownFields())) {
      return "unknown fields";
    }
    if (!a.getLastCertificate().equals(b.getLastCertificate())) {
      return "last certificate";
    }
    for (int i = 0; i < Math.min(a.getTransactionsCount(), b.getTransactionsCount()); i++) {
      if (!a.getTransactions(i).equals(b.getTransactions(i))) {
        return "transaction " + i;
      }
    }
    return "transaction count";
  }

  /** Validity: the right proposer built it, it extends the chain, and its certificate is valid. */
  private void checkValidity(Node n, Block block, FinalityCertificate cert, ByteString hash) {
    BlockHeader header = block.getHeader();
    long h = header.getHeight();
    ValidatorSet set = genesisSet.atHeight(h);
    ByteString prev =
        h == 1 ? genesis.blockHash() : Hashes.block(n.blocks.get((int) h - 2).getHeader());
    if (!header.getPrevHash().equals(prev)) {
      violations.add("validity: node " + n.id + " height " + h + " does not extend its chain");
    }
    if (!header
        .getNextValidatorSetHash()
        .equals(set.hash())) { // no registration in a simulation: one set
      violations.add(
          "validity: node " + n.id + " height " + h + " names another next validator set");
    }
    if (!cert.getBlockHash().equals(hash) || cert.getHeight() != h) {
      violations.add(
          "validity: node " + n.id + " height " + h + " certificate is for another block");
    }
    try {
      FinalityCertificates.verify(cert, CHAIN_ID, set, memoVerifier);
    } catch (FinalityCertificates.InvalidCertificateException e) {
      violations.add("validity: node " + n.id + " height " + h + " certificate: " + e.getMessage());
    }
    boolean rightProposer = false;
    for (int r = 0; r <= cert.getRound() && !rightProposer; r++) {
      rightProposer = set.proposer(CHAIN_ID, h, r).keyBytes().equals(header.getProposer());
    }
    if (!rightProposer) {
      violations.add(
          "validity: node "
              + n.id
              + " height "
              + h
              + " was built by a validator that proposed no round");
    }
  }

  /** Liveness: after the heal, every honest node that is up finalizes new heights. */
  private void checkLiveness() {
    if (!scenario.checkLiveness()) {
      return;
    }
    long needed = Math.max(maxHonestHeightAtHeal, 0) + scenario.minHeightsAfterHeal();
    for (Node n : honestUp()) {
      if (n.height() < needed) {
        violations.add(
            "liveness: node "
                + n.id
                + " reached height "
                + n.height()
                + " by t="
                + scenario.endMs()
                + ", needed "
                + needed
                + " ("
                + maxHonestHeightAtHeal
                + " at the heal + "
                + scenario.minHeightsAfterHeal()
                + "); engine at height "
                + n.engine.height()
                + " round "
                + n.engine.round()
                + " "
                + n.engine.step());
      }
    }
  }
}

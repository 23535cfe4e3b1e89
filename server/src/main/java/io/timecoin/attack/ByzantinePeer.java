package io.timecoin.attack;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockBody;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.SyncBlocksResponse;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.proto.v1.Witness;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A Byzantine peer on 127.0.0.1: it dials the validators' peer ports with a key of its own (or
 * speaks with a real validator's key where an attack needs one of the f), listens to what honest
 * nodes send, and runs one attack at a time, each bounded in time or count and returning what it
 * did as counts.
 */
public final class ByzantinePeer implements AutoCloseable {
  /** The field appended to a block body by the tampering relay: unknown to every node. */
  static final int UNKNOWN_FIELD = 99;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final String chainId;
  private final ByteString genesisHash;
  private final List<Integer> peerPorts;
  private final Ed25519KeyPair ownKey = Ed25519KeyPair.generate();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<PeerLink> links = new ArrayList<>();
  private final ExecutorService sender =
      Executors.newSingleThreadExecutor(r -> daemon(r, "byzantine-send"));
  private volatile Consumer<PeerMessage> listener = m -> {};
  private final AtomicLong lastHeight = new AtomicLong();

  /** One attack's record: what it sent and what became of it, by name, in order. */
  public static final class Counts {
    public final String attack;
    private final Map<String, AtomicLong> counts = new LinkedHashMap<>();

    Counts(String attack) {
      this.attack = attack;
    }

    void add(String name, long n) {
      synchronized (counts) {
        counts.computeIfAbsent(name, k -> new AtomicLong()).addAndGet(n);
      }
    }

    void inc(String name) {
      add(name, 1);
    }

    public long get(String name) {
      synchronized (counts) {
        AtomicLong v = counts.get(name);
        return v == null ? 0 : v.get();
      }
    }

    @Override
    public String toString() {
      synchronized (counts) {
        StringBuilder b = new StringBuilder();
        counts.forEach(
            (k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(v.get()));
        return b.toString();
      }
    }
  }

  public ByzantinePeer(String chainId, ByteString genesisHash, List<Integer> peerPorts) {
    this.chainId = chainId;
    this.genesisHash = genesisHash;
    this.peerPorts = List.copyOf(peerPorts);
  }

  private ManagedChannel channel(int port) {
    ManagedChannel c =
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .usePlaintext()
            .maxInboundMessageSize(16 << 20)
            .build();
    synchronized (channels) {
      channels.add(c);
    }
    return c;
  }

  /**
   * Dials every node with the attacker's own key and listens, redialing the links a node dropped
   * (an attack that earns penalties loses them); false if a node did not admit it.
   */
  public boolean connect() throws InterruptedException {
    AttackHandshake hs = new AttackHandshake(chainId, genesisHash, ownKey);
    boolean all = true;
    for (int n = 0; n < peerPorts.size(); n++) {
      if (n < links.size() && !links.get(n).ended()) {
        continue;
      }
      PeerLink link = PeerLink.open(channel(peerPorts.get(n)), hs, 0, this::heard);
      if (n < links.size()) {
        links.get(n).close();
        links.set(n, link);
      } else {
        links.add(link);
      }
      all &= link.awaitAdmitted(5_000);
    }
    return all;
  }

  /** Drops every link and dials again (after the nodes restarted). */
  public boolean reconnect() throws InterruptedException {
    for (PeerLink l : links) {
      l.close();
    }
    links.clear();
    return connect();
  }

  /**
   * Links of throwaway keys, one per node, for attacks that earn penalties: the attacker's
   * listening links stay clean. A node drops a peer after {@code Penalties.MAX_INVALID} (50)
   * refused messages and whatever is sent after that never arrives, so each link carries at most
   * {@link #PER_LINK} of them and is then ended in order and replaced by one of a fresh key: every
   * message counted as sent is one the node received.
   */
  private final class Throwaway {
    static final int PER_LINK = 40;
    final PeerLink[] links = new PeerLink[peerPorts.size()];
    final Ed25519KeyPair[] keys = new Ed25519KeyPair[peerPorts.size()];
    private final int[] sentOn = new int[peerPorts.size()];
    private final List<PeerLink> finished = new ArrayList<>();
    private final Counts c;

    Throwaway(Counts c) {
      this.c = c;
    }

    /**
     * Node n's link, dialed anew when it is used up or the node dropped it; null when the node does
     * not admit a new one.
     */
    PeerLink link(int n) throws InterruptedException {
      if (links[n] != null && (links[n].ended() || sentOn[n] >= PER_LINK)) {
        if (links[n].ended()) {
          c.inc("links_dropped_by_node");
        } else {
          links[n].finish();
          finished.add(links[n]);
        }
        links[n] = null;
      }
      if (links[n] == null) {
        keys[n] = Ed25519KeyPair.generate();
        sentOn[n] = 0;
        links[n] =
            PeerLink.open(
                channel(peerPorts.get(n)),
                new AttackHandshake(chainId, genesisHash, keys[n]),
                0,
                m -> {});
        c.inc("links_opened");
        if (!links[n].awaitAdmitted(5_000)) {
          c.inc("links_refused");
          links[n].close();
          links[n] = null;
        }
      }
      return links[n];
    }

    /** Sends on node n's link, dialing again once if it was dropped. */
    void send(int n, PeerMessage m, String what) throws InterruptedException {
      for (int attempt = 0; attempt < 2; attempt++) {
        PeerLink l = link(n);
        if (l != null && l.send(m)) {
          sentOn[n]++;
          c.inc(what);
          c.add("bytes_sent", m.getSerializedSize());
          return;
        }
      }
      c.inc(what.replace("_sent", "") + "_not_sent");
    }

    void close() throws InterruptedException {
      for (PeerLink l : links) {
        if (l != null) {
          l.finish();
          finished.add(l);
        }
      }
      Thread.sleep(1_000);
      for (PeerLink l : finished) {
        if (l.awaitEnd(0) != null && !l.awaitEnd(0).isOk()) {
          c.inc("links_dropped_by_node");
        }
        l.close();
      }
    }
  }

  /**
   * A fresh admitted link per node, opened before it is needed, for messages a node answers by
   * closing the whole stream (an unknown protobuf field): each is used for one burst, and its
   * replacement dialed in the background at once.
   */
  private final class Spares {
    private final List<java.util.concurrent.BlockingQueue<PeerLink>> ready = new ArrayList<>();
    private final List<PeerLink> used = new ArrayList<>();
    private final ExecutorService opener =
        Executors.newFixedThreadPool(2, r -> daemon(r, "byzantine-spares"));
    private final Counts c;

    Spares(Counts c) {
      this.c = c;
      for (int n = 0; n < peerPorts.size(); n++) {
        ready.add(new java.util.concurrent.LinkedBlockingQueue<>());
        refill(n);
      }
    }

    private void refill(int n) {
      opener.execute(
          () -> {
            for (int attempt = 0; attempt < 3; attempt++) {
              PeerLink l =
                  PeerLink.open(
                      channel(peerPorts.get(n)),
                      new AttackHandshake(chainId, genesisHash, Ed25519KeyPair.generate()),
                      0,
                      m -> {});
              try {
                if (l.awaitAdmitted(5_000) && !l.ended()) {
                  c.inc("spare_links_opened");
                  ready.get(n).add(l);
                  return;
                }
              } catch (InterruptedException e) {
                l.close();
                return;
              }
              c.inc("spare_links_refused");
              l.close();
            }
          });
    }

    /**
     * Node n's spare link (waiting at most 5 s for it), or null; a replacement is dialed at once.
     */
    PeerLink take(int n) throws InterruptedException {
      PeerLink l = ready.get(n).poll(5, TimeUnit.SECONDS);
      if (l != null) {
        synchronized (used) {
          used.add(l);
        }
        refill(n);
      }
      return l;
    }

    void close() {
      opener.shutdownNow();
      synchronized (used) {
        used.forEach(PeerLink::close);
      }
      for (var q : ready) {
        q.forEach(PeerLink::close);
      }
    }
  }

  /**
   * Per height, the validators heard precommitting a block: a quorum of them means the nodes
   * finalize it.
   */
  private final Map<Long, Set<ByteString>> precommits = new java.util.TreeMap<>();

  private void heard(PeerMessage m) {
    if (m.hasVote()) {
      Vote v = m.getVote();
      lastHeight.accumulateAndGet(v.getHeight(), Math::max);
      if (v.getType() == VoteType.VOTE_TYPE_PRECOMMIT && !v.getBlockHash().isEmpty()) {
        synchronized (precommits) {
          Set<ByteString> who =
              precommits.computeIfAbsent(v.getHeight(), h -> new java.util.HashSet<>());
          who.add(v.getValidator());
          if (who.size() >= peerPorts.size() * 2 / 3 + 1) { // the validators are the nodes dialed
            lastHeight.accumulateAndGet(v.getHeight() + 1, Math::max);
          }
          precommits.keySet().removeIf(h -> h < lastHeight.get());
        }
      }
    } else if (m.hasProposal()) {
      lastHeight.accumulateAndGet(m.getProposal().getHeight(), Math::max);
    }
    listener.accept(m);
  }

  /**
   * The height the honest nodes are deciding: the greatest in their messages, or the next once a
   * quorum of them precommitted (they finalize then, before any message of the next height is
   * sent).
   */
  public long currentHeight() {
    return lastHeight.get();
  }

  private void toAll(PeerMessage m, Counts c, String what) {
    for (PeerLink l : links) {
      if (l.send(m)) {
        c.inc(what);
      } else {
        c.inc(what + "_not_sent");
      }
    }
  }

  /**
   * Runs {@code handler} on every honest message heard for {@code millis}, off the gRPC threads.
   */
  private void listenFor(long millis, Consumer<PeerMessage> handler) throws InterruptedException {
    listener = m -> sender.execute(() -> handler.accept(m));
    Thread.sleep(millis);
    listener = m -> {};
    drainSender();
  }

  private void drainSender() throws InterruptedException {
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    sender.execute(done::countDown);
    done.await(30, TimeUnit.SECONDS);
  }

  // ------------------------------------------------------------------ attacks

  /**
   * Relays every honest proposal heard, tampered, to every node ahead of the genuine copy: once
   * with one witness byte flipped (when the block has a transaction with a witness) and once with
   * an unknown field appended to the body. Neither changes the signed proposal or the block hash. A
   * node closes the stream that carried an unknown field, so each burst goes on a spare link of a
   * throwaway key, the flip first; the listening links carry nothing.
   */
  public Counts tamperedBodies(long millis) throws InterruptedException {
    Counts c = new Counts("tampered proposal bodies");
    Set<ByteString> done = ConcurrentHashMap.newKeySet();
    Spares spares = new Spares(c);
    try {
      listenFor(
          millis,
          m -> {
            if (!m.hasProposal() || !done.add(m.getProposal().getSignature())) {
              return;
            }
            Proposal p = m.getProposal();
            c.inc("proposals_heard");
            Block flipped = flipWitness(p.getBlock());
            if (flipped == null) {
              c.inc("proposals_without_witness");
            }
            PeerMessage unknown =
                PeerMessage.newBuilder()
                    .setProposal(p.toBuilder().setBlock(withUnknownField(p.getBlock())))
                    .build();
            for (int n = 0; n < peerPorts.size(); n++) {
              PeerLink l;
              try {
                l = spares.take(n);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
              if (l == null) {
                c.inc("no_spare_link");
                continue;
              }
              if (flipped != null) {
                c.inc(
                    l.send(
                            PeerMessage.newBuilder()
                                .setProposal(p.toBuilder().setBlock(flipped))
                                .build())
                        ? "witness_flipped_sent"
                        : "witness_flipped_not_sent");
              }
              c.inc(l.send(unknown) ? "unknown_field_sent" : "unknown_field_not_sent");
            }
          });
      Thread.sleep(500); // the last bursts reach the nodes before their links are cancelled
    } finally {
      spares.close();
    }
    return c;
  }

  /**
   * The block with the first byte of its first witness signature flipped; null when it has no
   * witness.
   */
  static Block flipWitness(Block b) {
    BlockBody.Builder body = b.getBody().toBuilder();
    for (int t = 0; t < body.getTransactionsCount(); t++) {
      Transaction tx = body.getTransactions(t);
      for (int i = 0; i < tx.getInputsCount(); i++) {
        TxInput in = tx.getInputs(i);
        if (in.hasWitness() && !in.getWitness().getSignature().isEmpty()) {
          byte[] sig = in.getWitness().getSignature().toByteArray();
          sig[0] ^= 1;
          Witness w = in.getWitness().toBuilder().setSignature(ByteString.copyFrom(sig)).build();
          body.setTransactions(t, tx.toBuilder().setInputs(i, in.toBuilder().setWitness(w)));
          return b.toBuilder().setBody(body).build();
        }
      }
    }
    return null;
  }

  static Block withUnknownField(Block b) {
    UnknownFieldSet extra =
        UnknownFieldSet.newBuilder()
            .addField(
                UNKNOWN_FIELD,
                UnknownFieldSet.Field.newBuilder()
                    .addLengthDelimited(ByteString.copyFromUtf8("not part of any block"))
                    .build())
            .build();
    return b.toBuilder().setBody(b.getBody().toBuilder().setUnknownFields(extra)).build();
  }

  /**
   * With a real validator's key: for every vote that validator's own node sends, a second vote for
   * the same (height, round, type) and another block hash; for every proposal it makes, a second
   * proposal for the same (height, round) of a block with another timestamp. Both to every node.
   */
  public Counts equivocation(Ed25519KeyPair stolen, long millis) throws InterruptedException {
    Counts c = new Counts("equivocating proposals and votes");
    ByteString who = ByteString.copyFrom(stolen.publicKey().bytes());
    Set<ByteString> done = ConcurrentHashMap.newKeySet();
    listenFor(
        millis,
        m -> {
          if (m.hasVote()
              && m.getVote().getValidator().equals(who)
              && done.add(m.getVote().getSignature())) {
            Vote v = m.getVote();
            Vote other = signVote(stolen, v.getType(), v.getHeight(), v.getRound(), randomHash());
            toAll(PeerMessage.newBuilder().setVote(other).build(), c, "conflicting_votes_sent");
          } else if (m.hasProposal()
              && m.getProposal().getProposer().equals(who)
              && done.add(m.getProposal().getSignature())) {
            Proposal p = m.getProposal();
            Block b = p.getBlock();
            Block other =
                b.toBuilder()
                    .setHeader(
                        b.getHeader().toBuilder()
                            .setTimestampMs(b.getHeader().getTimestampMs() + 1))
                    .build();
            Proposal second = signProposal(stolen, p.toBuilder().setBlock(other).build());
            toAll(
                PeerMessage.newBuilder().setProposal(second).build(),
                c,
                "conflicting_proposals_sent");
          }
        });
    return c;
  }

  /**
   * Votes for the height being decided and the next: {@code count} signed by keys no validator
   * holds, and {@code count} naming a real validator with a signature that is not its own, to every
   * node over throwaway links (each ended before the node would drop it).
   */
  public Counts forgedVotes(ByteString realValidator, int count) throws InterruptedException {
    Counts c = new Counts("votes from unknown keys and with bad signatures");
    Throwaway out = new Throwaway(c);
    for (int i = 0; i < count; i++) {
      // the height being decided now (the chain moves on while they go: an older height's votes are
      // dismissed as late before their signer is looked at), and half for the next height: the
      // engine must refuse those at once as it does the current one's
      long height = Math.max(1, currentHeight()) + (i % 2);
      VoteType type = i % 4 < 2 ? VoteType.VOTE_TYPE_PREPARE : VoteType.VOTE_TYPE_PRECOMMIT;
      Ed25519KeyPair stranger = Ed25519KeyPair.generate();
      PeerMessage unknown =
          PeerMessage.newBuilder()
              .setVote(signVote(stranger, type, height, 0, randomHash()))
              .build();
      Vote bad =
          Vote.newBuilder()
              .setChainId(chainId)
              .setType(type)
              .setHeight(height)
              .setRound(0)
              .setBlockHash(randomHash())
              .setValidator(realValidator)
              .setSignature(ByteString.copyFrom(random(64)))
              .build();
      for (int n = 0; n < peerPorts.size(); n++) {
        out.send(n, unknown, "unknown_key_votes_sent");
        out.send(n, PeerMessage.newBuilder().setVote(bad).build(), "bad_signature_votes_sent");
      }
    }
    out.close();
    return c;
  }

  /**
   * Proposals for the next two heights, each about {@code bytes} long, from keys of no validator,
   * {@code count} in all, to the first two nodes, over fresh links (a link the node drops is
   * replaced by another key's).
   */
  public Counts futureProposalFlood(int count, int bytes, long maxMillis)
      throws InterruptedException {
    Counts c = new Counts("future-height proposals near the size limit");
    Throwaway out = new Throwaway(c);
    ByteString filler = ByteString.copyFrom(random(bytes));
    long deadline = System.currentTimeMillis() + maxMillis;
    for (int i = 0; i < count && System.currentTimeMillis() < deadline; i++) {
      int n =
          i % Math.min(2, peerPorts.size()); // two nodes, so that each gets its share of the bytes
      if (out.link(n) == null) {
        continue;
      }
      Ed25519KeyPair key = out.keys[n];
      long height = currentHeight() + 1 + (i % 2);
      Transaction stuffing =
          Transaction.newBuilder()
              .setVersion(io.timecoin.protocol.ProtocolVersion.TRANSACTION)
              .addKindWitnesses(
                  Witness.newBuilder()
                      .setPublicKey(ByteString.copyFrom(random(32)))
                      .setSignature(filler))
              .build();
      Block block =
          Block.newBuilder()
              .setHeader(
                  io.timecoin.proto.v1.BlockHeader.newBuilder()
                      .setVersion(io.timecoin.protocol.ProtocolVersion.BLOCK)
                      .setChainId(chainId)
                      .setHeight(height)
                      .setTimestampMs(System.currentTimeMillis())
                      .setPrevHash(randomHash())
                      .setTxRoot(randomHash())
                      .setWitnessRoot(randomHash())
                      .setLastCertificateHash(randomHash())
                      .setValidatorSetHash(randomHash())
                      .setNextValidatorSetHash(randomHash())
                      .setProposer(ByteString.copyFrom(key.publicKey().bytes())))
              .setBody(BlockBody.newBuilder().addTransactions(stuffing))
              .build();
      Proposal p =
          signProposal(
              key,
              Proposal.newBuilder()
                  .setChainId(chainId)
                  .setHeight(height)
                  .setRound(i / 2 % 1_000)
                  .setValidRound(-1)
                  .setBlock(block)
                  .setProposer(ByteString.copyFrom(key.publicKey().bytes()))
                  .build());
      out.send(n, PeerMessage.newBuilder().setProposal(p).build(), "proposals_sent");
    }
    out.close();
    return c;
  }

  private static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        }
      };

  private static final MethodDescriptor<byte[], byte[]> RAW_CONNECT =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(PeerServiceGrpc.getConnectMethod().getFullMethodName())
          .setRequestMarshaller(RAW)
          .setResponseMarshaller(RAW)
          .build();

  /**
   * The node keys of the peers that sent garbage after a valid hello, in the last {@link
   * #garbageFrames}.
   */
  private final List<ByteString> garbageKeys = new ArrayList<>();

  public List<ByteString> garbageKeys() {
    return List.copyOf(garbageKeys);
  }

  /**
   * Garbage on the peer port, {@code count} times each: random bytes on a raw socket; the HTTP/2
   * preface then a frame header announcing 16 MiB and junk; and, on a gRPC Connect stream after a
   * valid hello of a fresh key, one frame that is no ConnectRequest, or one of 9 MiB (over the
   * limit).
   */
  public Counts garbageFrames(int count) throws InterruptedException {
    Counts c = new Counts("garbage and oversized frames");
    garbageKeys.clear();
    for (int i = 0; i < count; i++) {
      int port = peerPorts.get(i % peerPorts.size());
      rawSocket(port, random(64 * 1024), c, "raw_garbage_sockets");
      byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      byte[] frame = new byte[preface.length + 9 + 4096];
      System.arraycopy(preface, 0, frame, 0, preface.length);
      frame[preface.length] = 0x01; // length 0x01_00_00 << 8: 16 MiB
      frame[preface.length + 3] = 0x00; // DATA
      System.arraycopy(random(4096), 0, frame, preface.length + 9, 4096);
      rawSocket(port, frame, c, "oversized_http2_frames");
      grpcGarbage(port, random(1024), c, "undecodable_messages_after_hello");
      grpcGarbage(port, random(9 << 20), c, "oversized_messages_after_hello");
    }
    return c;
  }

  private static void rawSocket(int port, byte[] bytes, Counts c, String what) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(2_000);
      OutputStream o = s.getOutputStream();
      o.write(bytes);
      o.flush();
      c.inc(what);
      try {
        s.getInputStream().read(new byte[4096]); // what the node answers, if anything
      } catch (IOException ignored) {
        // closed or timed out
      }
    } catch (IOException e) {
      c.inc(what + "_refused");
    }
  }

  private void grpcGarbage(int port, byte[] garbage, Counts c, String what)
      throws InterruptedException {
    Ed25519KeyPair key = Ed25519KeyPair.generate();
    AttackHandshake.Dialer dialer = new AttackHandshake(chainId, genesisHash, key).dialer(0);
    ClientCall<byte[], byte[]> call = channel(port).newCall(RAW_CONNECT, CallOptions.DEFAULT);
    java.util.concurrent.CountDownLatch admitted = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            try {
              PeerMessage m = ConnectResponse.parseFrom(message).getMessage();
              if (m.hasHello() && admitted.getCount() > 0) {
                Hello answer = dialer.onHello(m.getHello());
                if (answer != null) {
                  call.sendMessage(
                      ConnectRequest.newBuilder()
                          .setMessage(PeerMessage.newBuilder().setHello(answer))
                          .build()
                          .toByteArray());
                }
                admitted.countDown();
              }
            } catch (IOException e) {
              // the node's own bytes: always a ConnectResponse
            }
            call.request(1);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.countDown();
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(
        ConnectRequest.newBuilder()
            .setMessage(PeerMessage.newBuilder().setHello(dialer.first()))
            .build()
            .toByteArray());
    if (!admitted.await(5, TimeUnit.SECONDS)) {
      c.inc(what + "_not_admitted");
      call.cancel("no hello", null);
      return;
    }
    synchronized (garbageKeys) {
      garbageKeys.add(ByteString.copyFrom(key.publicKey().bytes()));
    }
    call.sendMessage(garbage);
    c.inc(what);
    if (closed.await(3, TimeUnit.SECONDS)) {
      c.inc(what + "_stream_closed_by_node");
    }
    // left as it is: a node must not keep a peer whose stream died, however it died
  }

  /**
   * Replays each node's genuine hello (captured on the attacker's own link to it) to every other
   * node, {@code rounds} times. A replay counts as admitted when the stream is still open 7 s later
   * (past any handshake deadline) or the node sent it consensus messages.
   */
  public Counts replayedHellos(int rounds) throws InterruptedException {
    Counts c = new Counts("replayed hellos");
    List<PeerLink> replays = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      for (int from = 0; from < links.size(); from++) {
        Hello genuine = links.get(from).nodeHello();
        if (genuine == null) {
          continue;
        }
        for (int to = 0; to < peerPorts.size(); to++) {
          if (to != from) {
            replays.add(PeerLink.openWith(channel(peerPorts.get(to)), genuine, m -> {}));
            c.inc("replays_sent");
          }
        }
      }
    }
    Thread.sleep(7_000);
    for (PeerLink l : replays) {
      if (!l.ended() || l.received() > 1) {
        c.inc("replays_admitted");
      } else {
        c.inc("replays_refused");
      }
      l.close();
    }
    return c;
  }

  /**
   * {@code streams} SyncBlocks calls from height 1 without a Hello, spread over 10 connections,
   * none reading a byte, held open {@code millis}.
   */
  public Counts idleSyncStreams(int streams, long millis) throws InterruptedException {
    Counts c = new Counts("idle SyncBlocks streams");
    List<ManagedChannel> conns = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      conns.add(channel(peerPorts.get(k % peerPorts.size())));
    }
    List<ClientCall<SyncBlocksRequest, SyncBlocksResponse>> calls = new ArrayList<>();
    AtomicLong refused = new AtomicLong();
    Map<String, AtomicLong> codes = new ConcurrentHashMap<>();
    for (int i = 0; i < streams; i++) {
      ClientCall<SyncBlocksRequest, SyncBlocksResponse> call =
          conns
              .get(i % conns.size())
              .newCall(PeerServiceGrpc.getSyncBlocksMethod(), CallOptions.DEFAULT);
      call.start(
          new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
              if (!status.isOk() && status.getCode() != Status.Code.CANCELLED) {
                refused.incrementAndGet();
                codes
                    .computeIfAbsent(status.getCode().name(), k -> new AtomicLong())
                    .incrementAndGet();
              }
            }
          },
          new Metadata());
      call.sendMessage(SyncBlocksRequest.newBuilder().setChainId(chainId).setFromHeight(1).build());
      call.halfClose(); // and never request(): the node's pushes wait in its buffers
      calls.add(call);
      c.inc("streams_opened");
    }
    Thread.sleep(millis);
    c.add("streams_refused", refused.get());
    codes.forEach((k, v) -> c.add("refused_" + k, v.get()));
    for (var call : calls) {
      call.cancel("attack over", null);
    }
    return c;
  }

  // ------------------------------------------------------------------ signing

  Vote signVote(Ed25519KeyPair key, VoteType type, long height, int round, ByteString hash) {
    Vote v =
        Vote.newBuilder()
            .setChainId(chainId)
            .setType(type)
            .setHeight(height)
            .setRound(round)
            .setBlockHash(hash)
            .setValidator(ByteString.copyFrom(key.publicKey().bytes()))
            .build();
    return v.toBuilder()
        .setSignature(ByteString.copyFrom(key.sign(CanonicalBytes.vote(v))))
        .build();
  }

  static Proposal signProposal(Ed25519KeyPair key, Proposal p) {
    return p.toBuilder()
        .setSignature(ByteString.copyFrom(key.sign(CanonicalBytes.proposal(p))))
        .build();
  }

  static ByteString randomHash() {
    return ByteString.copyFrom(random(32));
  }

  static byte[] random(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() {
    for (PeerLink l : links) {
      l.close();
    }
    sender.shutdownNow();
    synchronized (channels) {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }
}

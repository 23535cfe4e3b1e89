package io.timecoin.it;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.Vote;
import io.timecoin.protocol.ProtocolVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Listens to validators as a peer that holds no stake (its votes would not count; it sends none)
 * and records every vote relayed to it, to check that no validator ever signed two different votes
 * for one (height, round, type), and every transaction, alone or in a batch. It can also send
 * messages of its own, as any peer may.
 */
final class VoteCollector implements AutoCloseable {
  private final Ed25519KeyPair key = Ed25519KeyPair.generate();
  private final Map<String, ByteString> votes = new ConcurrentHashMap<>();
  private final List<String> conflicts = new ArrayList<>();
  private final Set<ByteString> voters = ConcurrentHashMap.newKeySet();
  private final Map<ByteString, Long> highestVote = new ConcurrentHashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<io.grpc.stub.StreamObserver<ConnectRequest>> streams = new ArrayList<>();
  private final Set<ByteString> transactions = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicInteger transactionMessages =
      new java.util.concurrent.atomic.AtomicInteger();

  void listen(String chainId, ByteString genesisHash, int peerPort) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", peerPort).usePlaintext().build();
    channels.add(channel);
    // the handshake: D1 with a nonce of ours, the node's S answering it, D2 answering the node's
    // nonce
    byte[] nonce = new byte[16];
    new java.security.SecureRandom().nextBytes(nonce);
    Hello unsigned =
        Hello.newBuilder()
            .setChainId(chainId)
            .setGenesisHash(genesisHash)
            .setProtocolVersion(ProtocolVersion.PEER)
            .setNodeKey(ByteString.copyFrom(key.publicKey().bytes()))
            .setNonce(ByteString.copyFrom(nonce))
            .build();
    java.util.concurrent.CountDownLatch admitted = new java.util.concurrent.CountDownLatch(1);
    var requests =
        PeerServiceGrpc.newStub(channel)
            .connect(
                new ClientResponseObserver<ConnectRequest, ConnectResponse>() {
                  private ClientCallStreamObserver<ConnectRequest> requests;

                  @Override
                  public void beforeStart(ClientCallStreamObserver<ConnectRequest> requests) {
                    this.requests = requests;
                  }

                  @Override
                  public void onNext(ConnectResponse response) {
                    PeerMessage m = response.getMessage();
                    if (m.hasHello() && admitted.getCount() > 0) {
                      synchronized (streams) {
                        requests.onNext(
                            ConnectRequest.newBuilder()
                                .setMessage(
                                    PeerMessage.newBuilder()
                                        .setHello(
                                            signed(
                                                unsigned.toBuilder()
                                                    .setPeerNonce(m.getHello().getNonce())
                                                    .build())))
                                .build());
                      }
                      admitted.countDown();
                    } else if (m.hasVote()) {
                      record(m.getVote());
                    } else if (m.hasTransaction() || m.hasTransactions()) {
                      transactionMessages.incrementAndGet();
                      (m.hasTransaction()
                              ? List.of(m.getTransaction())
                              : m.getTransactions().getTransactionsList())
                          .forEach(tx -> transactions.add(Hashes.transaction(tx)));
                    }
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    synchronized (streams) {
      requests.onNext(
          ConnectRequest.newBuilder()
              .setMessage(PeerMessage.newBuilder().setHello(signed(unsigned)))
              .build());
      streams.add(requests);
    }
    try {
      if (!admitted.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new IllegalStateException("no hello from the node on port " + peerPort);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Hello signed(Hello unsigned) {
    return unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(key.sign(CanonicalBytes.hello(unsigned))))
        .build();
  }

  /** Sends a message on the stream to the {@code i}-th node listened to. */
  void send(int i, PeerMessage message) {
    synchronized (streams) {
      streams.get(i).onNext(ConnectRequest.newBuilder().setMessage(message).build());
    }
  }

  /** The ids of the transactions relayed to this peer so far. */
  Set<ByteString> transactionsSeen() {
    return Set.copyOf(transactions);
  }

  /** How many messages carried them (a batch counts once). */
  int transactionMessages() {
    return transactionMessages.get();
  }

  private void record(Vote v) {
    String slot =
        java.util.HexFormat.of().formatHex(v.getValidator().toByteArray())
            + " h"
            + v.getHeight()
            + " r"
            + v.getRound()
            + " "
            + v.getType();
    ByteString before = votes.putIfAbsent(slot, v.getBlockHash());
    if (before != null && !before.equals(v.getBlockHash())) {
      synchronized (conflicts) {
        conflicts.add(slot);
      }
    }
    voters.add(v.getValidator());
    highestVote.merge(v.getValidator(), v.getHeight(), Math::max);
  }

  int votesSeen() {
    return votes.size();
  }

  List<String> conflicts() {
    synchronized (conflicts) {
      return List.copyOf(conflicts);
    }
  }

  /** The highest height a validator was seen voting at (0 if never). */
  long highestVoteOf(ByteString validator) {
    return highestVote.getOrDefault(validator, 0L);
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
  }
}

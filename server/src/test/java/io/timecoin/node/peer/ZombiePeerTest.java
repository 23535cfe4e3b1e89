package io.timecoin.node.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.Vote;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Peers whose streams die after a good hello leave nothing behind: not listed, nothing queued for
 * them.
 */
@Timeout(60)
class ZombiePeerTest {

  /** Connect with requests as raw bytes: whatever frame the test wants, decodable or not. */
  private static final class RawFrames extends ClientCall.Listener<ConnectResponse> {
    final LinkedBlockingQueue<ConnectResponse> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> closed = new CompletableFuture<>();
    final ClientCall<byte[], ConnectResponse> call;

    RawFrames(ManagedChannel channel) {
      MethodDescriptor<byte[], ConnectResponse> method =
          PeerServiceGrpc.getConnectMethod().toBuilder(
                  new MethodDescriptor.Marshaller<byte[]>() {
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
                  },
                  ProtoUtils.marshaller(ConnectResponse.getDefaultInstance()))
              .build();
      call = channel.newCall(method, CallOptions.DEFAULT);
      call.start(this, new Metadata());
      call.request(Integer.MAX_VALUE);
    }

    void send(byte[] frame) {
      call.sendMessage(frame);
    }

    void send(Hello h) {
      send(
          ConnectRequest.newBuilder()
              .setMessage(PeerMessage.newBuilder().setHello(h))
              .build()
              .toByteArray());
    }

    @Override
    public void onMessage(ConnectResponse message) {
      received.add(message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      closed.complete(status);
    }
  }

  private static ByteString handshake(RawFrames raw) throws Exception {
    Ed25519KeyPair key = Ed25519KeyPair.generate();
    Handshake.Dialer d = new Handshake(PeerKit.CHAIN, PeerKit.GENESIS, key, () -> 0).dialer();
    raw.send(d.first());
    ConnectResponse s = raw.received.poll(5, TimeUnit.SECONDS);
    raw.send(d.next(s.getMessage().getHello()).reply());
    return ByteString.copyFrom(key.publicKey().bytes());
  }

  @Test
  void aPeerThatSendsOneUndecodableFrameAfterItsHelloIsForgottenAtOnce() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast())) {
      List<ByteString> zombies = new ArrayList<>();
      List<RawFrames> streams = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        RawFrames raw = new RawFrames(node.channel());
        ByteString key = handshake(raw);
        PeerKit.await(() -> node.listed(key), 2_000, "admitted");
        raw.send(
            new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01}); // no protobuf parses this
        zombies.add(key);
        streams.add(raw);
      }
      for (RawFrames raw : streams) {
        assertTrue(raw.closed.get(5, TimeUnit.SECONDS).getCode() != Status.Code.OK);
      }
      PeerKit.await(
          () -> node.network.peerCount() == 0,
          2_000,
          "every zombie dropped: " + node.network.peers());
      for (int i = 0; i < 100; i++) {
        node.network.broadcast(
            PeerMessage.newBuilder().setVote(Vote.newBuilder().setHeight(i + 1)).build());
      }
      for (ByteString z : zombies) {
        assertFalse(node.listed(z));
      }
      assertEquals(0, node.network.queued(), "nothing queued for the dead");
      assertEquals(0, node.network.queuedBytes());
      assertEquals(
          20.0, node.counter("timed_peer_penalties_total", "malformed"), "each bad frame counted");
      assertEquals(20.0, node.counter("timed_peer_disconnections_total", "malformed"));
    }
  }

  @Test
  void aPeerWhoseConnectionDropsIsForgottenAtOnce() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast())) {
      ManagedChannel channel = node.channel();
      RawFrames raw = new RawFrames(channel);
      ByteString key = handshake(raw);
      PeerKit.await(() -> node.listed(key), 2_000, "admitted");
      channel.shutdownNow(); // the transport goes, with no word on the stream
      PeerKit.await(() -> !node.listed(key), 2_000, "dropped");
      node.network.broadcast(
          PeerMessage.newBuilder().setVote(Vote.newBuilder().setHeight(1)).build());
      assertEquals(0, node.network.queued());
    }
  }

  @Test
  void aPeerThatDoesNotReadIsDroppedWhenItsQueueExceedsTheByteBudget() throws Exception {
    PeerLimits limits = PeerKit.fast();
    limits =
        new PeerLimits(
            2L << 20,
            limits.sendBudgetBytes(),
            limits.maxMessageBytes(),
            limits.handshake(),
            limits.syncProgress(),
            limits.syncServeStall(),
            limits.maxSyncStreams(),
            limits.heightHint(),
            limits.hintLife(),
            limits.maxNonValidators());
    try (PeerKit node = new PeerKit(limits)) {
      // takes the node's hello, then reads nothing more
      PeerKit.RawPeer reader =
          new PeerKit.RawPeer(Ed25519KeyPair.generate(), false).open(node.channel());
      Handshake.Dialer dialer = reader.handshake.dialer();
      reader.send(dialer.first());
      Hello answer = reader.next().getHello();
      reader.send(dialer.next(answer).reply());
      PeerKit.await(() -> node.listed(reader.keyBytes), 2_000, "admitted");
      // 64 messages of 256 KiB (16 MiB) at a peer that reads none; the old count limit (10,000)
      // held them all
      PeerMessage big =
          PeerMessage.newBuilder()
              .setVote(
                  Vote.newBuilder()
                      .setHeight(5)
                      .setBlockHash(ByteString.copyFrom(new byte[256 << 10])))
              .build();
      for (int i = 0; i < 64; i++) {
        node.network.broadcast(big);
        assertTrue(node.network.queuedBytes() <= 2L << 20, "queued " + node.network.queuedBytes());
      }
      assertFalse(node.listed(reader.keyBytes), "dropped: it cannot keep up");
      assertEquals(0, node.network.queuedBytes());
      assertEquals(1.0, node.counter("timed_peer_disconnections_total", "cannot_keep_up"));
    }
  }
}

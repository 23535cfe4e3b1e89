package io.timecoin.attack;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** One Connect stream the attacker dialed to a node: the handshake, then messages both ways. */
public final class PeerLink {
  private final CountDownLatch admitted = new CountDownLatch(1);
  private final CountDownLatch ended = new CountDownLatch(1);
  private volatile ClientCallStreamObserver<ConnectRequest> requests;
  private volatile Hello nodeHello;
  private volatile Status endStatus;
  private final AtomicLong received = new AtomicLong();

  private PeerLink() {}

  /**
   * Dials with a handshake of the attacker's key; every message after the node's hello goes to
   * {@code onMessage}.
   */
  public static PeerLink open(
      ManagedChannel channel,
      AttackHandshake handshake,
      long height,
      Consumer<PeerMessage> onMessage) {
    AttackHandshake.Dialer dialer = handshake.dialer(height);
    PeerLink link = new PeerLink();
    link.start(
        channel,
        dialer.first(),
        hello -> {
          Hello answer = dialer.onHello(hello);
          if (answer != null) {
            link.send(PeerMessage.newBuilder().setHello(answer).build());
          }
          link.admitted.countDown();
        },
        onMessage);
    return link;
  }

  /** Dials and sends {@code first} as it is (a replayed hello, say), whatever the node answers. */
  public static PeerLink openWith(
      ManagedChannel channel, Hello first, Consumer<PeerMessage> onMessage) {
    PeerLink link = new PeerLink();
    link.start(channel, first, hello -> link.admitted.countDown(), onMessage);
    return link;
  }

  private void start(
      ManagedChannel channel,
      Hello first,
      Consumer<Hello> onHello,
      Consumer<PeerMessage> onMessage) {
    PeerServiceGrpc.newStub(channel)
        .connect(
            new ClientResponseObserver<ConnectRequest, ConnectResponse>() {
              private boolean firstHello = true;

              @Override
              public void beforeStart(ClientCallStreamObserver<ConnectRequest> r) {
                requests = r;
              }

              @Override
              public void onNext(ConnectResponse response) {
                received.incrementAndGet();
                PeerMessage m = response.getMessage();
                if (firstHello && m.hasHello()) {
                  firstHello = false;
                  nodeHello = m.getHello();
                  onHello.accept(m.getHello());
                } else {
                  onMessage.accept(m);
                }
              }

              @Override
              public void onError(Throwable t) {
                endStatus = Status.fromThrowable(t);
                ended.countDown();
              }

              @Override
              public void onCompleted() {
                endStatus = Status.OK;
                ended.countDown();
              }
            });
    send(PeerMessage.newBuilder().setHello(first).build());
  }

  /**
   * Sends one message, waiting (at most 10 s) for flow control; false when the stream is gone or
   * stuck.
   */
  public boolean send(PeerMessage m) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    ClientCallStreamObserver<ConnectRequest> r = requests;
    while (!r.isReady()) {
      if (ended() || System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    synchronized (this) {
      try {
        r.onNext(ConnectRequest.newBuilder().setMessage(m).build());
        return true;
      } catch (RuntimeException e) {
        return false;
      }
    }
  }

  /** Waits for the node's hello (and, with the nonce-bound handshake, sends the answer). */
  public boolean awaitAdmitted(long millis) throws InterruptedException {
    return admitted.await(millis, TimeUnit.MILLISECONDS);
  }

  /** Waits for the stream to end; its status, or null while it is still open. */
  public Status awaitEnd(long millis) throws InterruptedException {
    ended.await(millis, TimeUnit.MILLISECONDS);
    return endStatus;
  }

  public boolean ended() {
    return ended.getCount() == 0;
  }

  /** The node's hello, once it came. */
  public Hello nodeHello() {
    return nodeHello;
  }

  /** Messages the node sent on this stream, its hello included. */
  public long received() {
    return received.get();
  }

  /**
   * Ends the stream from this side in order (half-close): what was sent before still reaches the
   * node.
   */
  public void finish() {
    ClientCallStreamObserver<ConnectRequest> r = requests;
    if (r != null && !ended()) {
      synchronized (this) {
        try {
          r.onCompleted();
        } catch (RuntimeException ignored) {
          // already gone
        }
      }
    }
  }

  public void close() {
    ClientCallStreamObserver<ConnectRequest> r = requests;
    if (r != null && !ended()) {
      try {
        r.cancel("attack over", null);
      } catch (RuntimeException ignored) {
        // already gone
      }
    }
  }
}

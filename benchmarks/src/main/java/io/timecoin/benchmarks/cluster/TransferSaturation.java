package io.timecoin.benchmarks.cluster;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.Node;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.SubmitTransactionsRequest;
import io.timecoin.proto.v1.SubmitTransactionsResponse;
import io.timecoin.proto.v1.SubscribeFinalizedRequest;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Fees;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load generator: the faucet's output is fanned out into 20,000 coins of one key; each coin is
 * spent by a 1-in-1-out transfer, and its output becomes a coin again once its block is final (the
 * mempool takes only finalized outputs). Submissions go round-robin to every node.
 */
final class TransferSaturation {
  private final List<ManagedChannel> channels;
  private final Node observed;
  private final Ed25519KeyPair key;
  private final Address address;
  private final String chainId;
  private final Genesis genesis;

  /** Transfers submitted and not yet final, at most: a closed loop, so the queues stay bounded. */
  static final int IN_FLIGHT = 4_000;

  /** Seconds of load before the throughput window opens. */
  static final int WARM_UP_SECONDS = 20;

  static final int WALLETS = 1_000;
  private static final int FAN_OUT_TXS = 50;
  private static final int OUTPUTS_PER_FAN_OUT = 400;

  private final ConcurrentLinkedQueue<Coin> coins = new ConcurrentLinkedQueue<>();
  private final Map<ByteString, Long> submitted = new ConcurrentHashMap<>();
  private final Map<ByteString, Coin> spending =
      new ConcurrentHashMap<>(); // by the id of the transfer that spends it
  private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
  final Samples clientLatency = new Samples();
  private final AtomicLong refused = new AtomicLong();
  private volatile long windowStart = Long.MAX_VALUE;
  private volatile long windowEnd = Long.MAX_VALUE;
  final AtomicLong finalizedInWindow = new AtomicLong();

  /** A spendable output of wallet {@code owner}. */
  private record Coin(OutPoint outpoint, long amount, int owner) {}

  /** Transfers signed before the measurement, by the output they spend. */
  private final Map<OutPoint, Transaction> presigned = new ConcurrentHashMap<>();

  private static final int PRESIGNED_PER_COIN = 5;

  /** The fee of a 1-in-1-out transfer, set by {@link #prepare}. */
  private long fee;

  /**
   * The senders: many keys, as real traffic has (each node decodes each key once, then caches it).
   */
  private final List<Ed25519KeyPair> wallets = new ArrayList<>();

  /** The setup transactions not yet final, by id. */
  private final Set<ByteString> awaited = ConcurrentHashMap.newKeySet();

  TransferSaturation(Path home, List<ManagedChannel> channels, Node observed) throws IOException {
    this.channels = channels;
    this.observed = observed;
    this.key = KeyFile.read(home.resolve("faucet.key"));
    this.address = Address.of(key.publicKey());
    this.genesis = GenesisFile.read(home.resolve(GenesisFile.FILE_NAME));
    this.chainId = genesis.chainId();
  }

  /**
   * Fans the faucet's output out into FAN_OUT_TXS * OUTPUTS_PER_FAN_OUT coins, waiting for each
   * step to be final.
   */
  void prepare() throws InterruptedException {
    subscribe();
    long faucet = genesis.allocations().get(0).amount();
    OutPoint start =
        OutPoint.newBuilder()
            .setTxid(Hashes.transaction(genesis.transaction()))
            .setIndex(0)
            .build();
    Fees fees = genesis.ledgerParams().fees();
    // each fee the chain requires (docs/protocol.md 4.3); the amounts do not change the sizes
    long firstFee =
        fees.required(
            Transactions.transfer(
                    List.of(start),
                    Collections.nCopies(FAN_OUT_TXS, Transactions.output(1, address)))
                .build());
    long secondFee =
        fees.required(
            Transactions.transfer(
                    List.of(start),
                    Collections.nCopies(OUTPUTS_PER_FAN_OUT, Transactions.output(1, address)))
                .build());
    fee =
        fees.required(
            Transactions.transfer(List.of(start), List.of(Transactions.output(1, address)))
                .build());
    long part = (faucet - firstFee) / FAN_OUT_TXS;
    List<TxOutput> outputs = new ArrayList<>();
    for (int i = 0; i < FAN_OUT_TXS; i++) {
      outputs.add(Transactions.output(part, address));
    }
    Transaction first =
        Transactions.sign(
            Transactions.transfer(List.of(start), outputs), chainId, List.of(key), List.of());
    awaitFinal(List.of(first));
    ByteString firstId = Hashes.transaction(first);
    List<Transaction> second = new ArrayList<>();
    long coin = (part - secondFee) / OUTPUTS_PER_FAN_OUT;
    for (int w = 0; w < WALLETS; w++) {
      wallets.add(Ed25519KeyPair.generate());
    }
    for (int i = 0; i < FAN_OUT_TXS; i++) {
      List<TxOutput> outs = new ArrayList<>();
      for (int j = 0; j < OUTPUTS_PER_FAN_OUT; j++) {
        outs.add(
            Transactions.output(
                coin,
                Address.of(wallets.get((i * OUTPUTS_PER_FAN_OUT + j) % WALLETS).publicKey())));
      }
      second.add(
          Transactions.sign(
              Transactions.transfer(
                  List.of(OutPoint.newBuilder().setTxid(firstId).setIndex(i).build()), outs),
              chainId,
              List.of(key),
              List.of()));
    }
    awaitFinal(second);
    for (Transaction tx : second) {
      ByteString id = Hashes.transaction(tx);
      int i = second.indexOf(tx);
      for (int j = 0; j < tx.getOutputsCount(); j++) {
        coins.add(
            new Coin(
                OutPoint.newBuilder().setTxid(id).setIndex(j).build(),
                coin,
                (i * OUTPUTS_PER_FAN_OUT + j) % WALLETS));
      }
    }
    // Each coin's next transfers are signed now, not in the measured window: on a real network the
    // wallets are other machines, and here their signing would take the validators' cores.
    long started = System.nanoTime();
    coins.parallelStream()
        .forEach(
            c -> {
              OutPoint spend = c.outpoint();
              long amount = c.amount();
              Ed25519KeyPair owner = wallets.get(c.owner());
              for (int k = 0; k < PRESIGNED_PER_COIN; k++) {
                Transaction tx = transfer(spend, amount, owner);
                presigned.put(spend, tx);
                spend = OutPoint.newBuilder().setTxid(Hashes.transaction(tx)).setIndex(0).build();
                amount -= fee;
              }
            });
    System.out.printf(
        "  load: %d coins of %s TIME ready, held by %d keys; %d transfers signed in %.1f s%n",
        coins.size(),
        Units.format(coin),
        WALLETS,
        presigned.size(),
        (System.nanoTime() - started) / 1e9);
  }

  /** The 1-in-1-out transfer of {@code amount} - fee back to {@code owner}, signed. */
  private Transaction transfer(OutPoint spend, long amount, Ed25519KeyPair owner) {
    return Transactions.sign(
        Transactions.transfer(
            List.of(spend),
            List.of(Transactions.output(amount - fee, Address.of(owner.publicKey())))),
        chainId,
        List.of(owner),
        List.of());
  }

  private void awaitFinal(List<Transaction> txs) throws InterruptedException {
    txs.forEach(tx -> awaited.add(Hashes.transaction(tx)));
    var stub = NodeServiceGrpc.newBlockingStub(channels.get(0));
    for (Transaction tx : txs) {
      stub.submitTransaction(SubmitTransactionRequest.newBuilder().setTransaction(tx).build());
    }
    long deadline = System.currentTimeMillis() + 60_000;
    while (!awaited.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    if (!awaited.isEmpty()) {
      throw new IllegalStateException("the load's setup transactions were not final in 60 s");
    }
  }

  /** The client's view: the blocks as a subscriber of node-0 receives them, from now on. */
  private void subscribe() {
    NodeServiceGrpc.newStub(channels.get(0))
        .subscribeFinalized(
            SubscribeFinalizedRequest.newBuilder()
                .setFromHeight(NodeProbe.finalizedHeight(observed) + 1)
                .build(),
            new StreamObserver<>() {
              @Override
              public void onNext(SubscribeFinalizedResponse r) {
                if (r.hasBlock()) {
                  List<Transaction> txs = r.getBlock().getBlock().getBody().getTransactionsList();
                  txs.forEach(tx -> awaited.remove(Hashes.transaction(tx)));
                  delivered(txs);
                }
              }

              @Override
              public void onError(Throwable t) {
                if (windowEnd > System.nanoTime()) { // not the end of the bench closing the channel
                  System.err.println("bench: the subscription ended: " + t);
                }
              }

              @Override
              public void onCompleted() {}
            });
  }

  /**
   * Saturates the network for {@code seconds} (after a few seconds to fill it); the
   * proposal-to-final latencies meanwhile.
   */
  Samples run(int seconds) throws Exception {
    Samples blocks = new Samples();
    NodeProbe.onFinalized(
        observed,
        (height, nanos) -> {
          long now = System.nanoTime();
          if (now >= windowStart && now < windowEnd) {
            blocks.add(nanos);
          }
        });
    List<Thread> workers = new ArrayList<>();
    AtomicLong next = new AtomicLong();
    for (int w = 0; w < 2; w++) {
      Thread t = new Thread(() -> submitLoop(next), "bench-load-" + w);
      t.setDaemon(true);
      t.start();
      workers.add(t);
    }
    // Steady state: on 2 cores busy with the load, C2 still compiles the load's paths 15 s in (7%
    // of
    // the CPU in a window starting after 5 s; 44% of the limit then, ~50% after 20 s).
    Thread.sleep(TimeUnit.SECONDS.toMillis(WARM_UP_SECONDS));
    long heightBefore = NodeProbe.finalizedHeight(observed);
    windowStart = System.nanoTime();
    windowEnd = windowStart + TimeUnit.SECONDS.toNanos(seconds);
    Thread.sleep(seconds * 1_000L + 200);
    System.out.printf(
        "  load: node-0 finalized heights %d to %d in the window%n",
        heightBefore, NodeProbe.finalizedHeight(observed));
    workers.forEach(Thread::interrupt);
    if (refused.get() > 0) {
      System.out.println(
          "  load: " + refused.get() + " submissions refused (put back and retried)");
    }
    return blocks;
  }

  /**
   * Submits over one SubmitTransactions stream per node, round-robin: a service submitting many
   * transfers keeps a stream open rather than making a call each.
   */
  private void submitLoop(AtomicLong next) {
    List<StreamObserver<SubmitTransactionsRequest>> streams = new ArrayList<>();
    for (ManagedChannel channel : channels) {
      streams.add(
          NodeServiceGrpc.newStub(channel)
              .submitTransactions(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(SubmitTransactionsResponse r) {
                      if (r.hasError()) {
                        refused.incrementAndGet();
                        if (submitted.remove(r.getTxid())
                            != null) { // whoever removes it from submitted puts the coin back
                          inFlight.release();
                          coins.add(spending.remove(r.getTxid())); // tried again later
                        }
                      }
                    }

                    @Override
                    public void onError(Throwable t) {
                      if (!Thread.currentThread().isInterrupted()
                          && windowEnd > System.nanoTime()) {
                        System.err.println("bench: a submission stream failed: " + t);
                      }
                    }

                    @Override
                    public void onCompleted() {}
                  }));
    }
    try {
      while (!Thread.currentThread().isInterrupted()) {
        Coin c = coins.poll();
        if (c == null) {
          Thread.sleep(1);
          continue;
        }
        inFlight.acquire();
        Transaction tx = presigned.remove(c.outpoint());
        if (tx == null) {
          tx = transfer(c.outpoint(), c.amount(), wallets.get(c.owner()));
        }
        ByteString id = Hashes.transaction(tx);
        spending.put(id, c);
        submitted.put(id, System.nanoTime());
        streams
            .get((int) (next.getAndIncrement() % streams.size()))
            .onNext(SubmitTransactionsRequest.newBuilder().setTransaction(tx).build());
      }
    } catch (InterruptedException e) {
      // the window is over
    } finally {
      streams.forEach(StreamObserver::onCompleted);
    }
  }

  private void delivered(List<Transaction> txs) {
    long now = System.nanoTime();
    int mine = 0;
    for (int i = 1; i < txs.size(); i++) { // the REWARD first
      Transaction tx = txs.get(i);
      ByteString id = Hashes.transaction(tx);
      Long at = submitted.remove(id);
      if (at == null) {
        continue;
      }
      inFlight.release();
      mine++;
      if (now >= windowStart && now < windowEnd) {
        clientLatency.add(now - at);
      }
      Coin spent = spending.remove(id);
      coins.add(
          new Coin(
              OutPoint.newBuilder().setTxid(id).setIndex(0).build(),
              tx.getOutputs(0).getAmount(),
              spent.owner()));
    }
    if (now >= windowStart && now < windowEnd) {
      finalizedInWindow.addAndGet(mine);
    }
  }
}

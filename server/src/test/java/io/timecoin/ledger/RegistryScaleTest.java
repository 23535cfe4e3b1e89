package io.timecoin.ledger;

import static io.timecoin.ledger.LedgerChain.TIME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.node.config.Genesis;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Witness;
import io.timecoin.protocol.Transactions;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100,000 registrations and as many deregistrations, 100 a block over 2,000 blocks, through the
 * node's own ledger and store: block execution time and heap stay flat, and the working registry
 * comes back to the genesis masternodes (docs/protocol.md 4.1: it holds the active ones only, and
 * no block copies it). Signatures are taken as checked (the mempool's admission with
 * signaturesChecked): this measures the registry, not Ed25519.
 *
 * <p>About a minute on two shared cores, so it runs only when asked: {@code mvn -B -ntp -o -pl
 * server -am test -Dtest=RegistryScaleTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtimed.scale=true}
 */
@EnabledIfSystemProperty(named = "timed.scale", matches = "true")
class RegistryScaleTest {
  private static final int MASTERNODES = 4;
  private static final int BATCH = 100;
  private static final int REGISTRATIONS = 100_000;
  private static final int WINDOW = 1_000;
  private static final ByteString NO_SIGNATURE = ByteString.copyFrom(new byte[64]);

  @TempDir Path tmp;

  @Test
  void aHundredThousandRegistrationsLeaveBlockTimeHeapAndTheRegistryFlat() throws Exception {
    Random random = new Random(7);
    Ed25519KeyPair owner = LedgerChain.key(random); // owns every coin and collateral
    List<Ed25519KeyPair> genesisKeys = new ArrayList<>();
    List<Genesis.Masternode> mns = new ArrayList<>();
    for (int i = 0; i < MASTERNODES; i++) {
      genesisKeys.add(LedgerChain.key(random));
      mns.add(
          new Genesis.Masternode(
              genesisKeys.get(i).publicKey(),
              LedgerChain.address(owner),
              LedgerChain.address(owner),
              10_000 * TIME));
    }
    List<Genesis.Allocation> allocations = new ArrayList<>();
    for (int i = 0; i < BATCH; i++) { // fee coins, one lane per registration of a batch
      allocations.add(new Genesis.Allocation(LedgerChain.address(owner), 100_000 * TIME));
    }
    for (int i = 0; i < BATCH; i++) { // collaterals, reused once their masternode is gone
      allocations.add(new Genesis.Allocation(LedgerChain.address(owner), 1_000 * TIME));
    }
    Genesis genesis = LedgerChain.genesis(mns, allocations);
    ByteString genesisTx = Hashes.transaction(genesis.transaction());
    // keys reused every third cycle: a batch's keys are gone (left the working registry) by then
    List<ByteString> consensus = new ArrayList<>();
    for (int i = 0; i < 3 * BATCH; i++) {
      consensus.add(LedgerChain.keyBytes(LedgerChain.key(random)));
    }
    OutPoint[] feeCoin = new OutPoint[BATCH];
    long[] feeLeft = new long[BATCH];
    for (int i = 0; i < BATCH; i++) {
      feeCoin[i] = LedgerChain.outpoint(genesisTx, i);
      feeLeft[i] = 100_000 * TIME;
    }

    long started = System.nanoTime();
    int blocks = 2 * REGISTRATIONS / BATCH + 1; // the last one lets the last batch go
    long[] nanos = new long[blocks + 1];
    long heapFirst = 0;
    ByteString witnessKey = LedgerChain.keyBytes(owner);
    try (LedgerChain chain = LedgerChain.open(tmp.resolve("node"), genesis)) {
      int registryAtGenesis = chain.ledger.state().registry().all().size();
      for (int h = 1; h <= blocks; h++) {
        boolean register = h % 2 == 1 && h < blocks;
        boolean deregister = h % 2 == 0;
        int keys = ((h - 1) / 2 % 3) * BATCH; // this cycle's keys
        for (int i = 0; (register || deregister) && i < BATCH; i++) {
          long fee = register ? TIME : 10_000;
          feeLeft[i] -= fee;
          List<TxOutput> change =
              List.of(Transactions.output(feeLeft[i], LedgerChain.address(owner)));
          Transaction.Builder tx =
              register
                  ? Transactions.register(
                      List.of(feeCoin[i]),
                      change,
                      LedgerChain.outpoint(genesisTx, BATCH + i),
                      consensus.get(keys + i),
                      LedgerChain.address(owner))
                  : Transactions.deregister(List.of(feeCoin[i]), change, consensus.get(keys + i));
          tx.getInputsBuilder(0).setWitness(witness(witnessKey));
          tx.addKindWitnesses(witness(witnessKey));
          if (register) {
            tx.addKindWitnesses(witness(consensus.get(keys + i)));
          }
          Transaction t = tx.build();
          TransactionRules.Verdict v = chain.ledger.admit(t, true);
          assertTrue(v.valid(), "block " + h + ": " + v);
          feeCoin[i] = LedgerChain.outpoint(v.txid(), 0);
        }
        ByteString proposer = LedgerChain.keyBytes(genesisKeys.get(h % MASTERNODES));
        long t0 = System.nanoTime();
        Block block =
            chain.propose(proposer); // executes it: what every validator does with each block
        nanos[h] = System.nanoTime() - t0;
        BlockExecution exec = chain.ledger.execution(block);
        chain.store.putFinalized(
            block,
            LedgerChain.certificateOfAll(h, exec.blockHash(), chain.ledger.validatorSetAt(h)),
            exec.changes(),
            false);
        chain.ledger.stored(exec);
        chain.lastCertificate =
            LedgerChain.certificateOfAll(h, exec.blockHash(), chain.ledger.validatorSetAt(h));
        assertEquals(
            1 + (register || deregister ? BATCH : 0),
            block.getBody().getTransactionsCount(),
            "block " + h);
        if (h == WINDOW) {
          heapFirst = heapAfterGc();
        }
      }
      long heapLast = heapAfterGc();
      double first = sum(nanos, 1, WINDOW) / 1e6;
      double last = sum(nanos, blocks - WINDOW + 1, blocks) / 1e6;
      int registryAtEnd = chain.ledger.state().registry().all().size();
      System.out.printf(
          "RegistryScaleTest: %d registrations and deregistrations over %d blocks in %.1f s;"
              + " block execution: first %d blocks %.0f ms, last %d %.0f ms (ratio %.2f); heap after GC:"
              + " at block %d %d MiB, at the end %d MiB; working registry %d at genesis, %d at the end%n",
          REGISTRATIONS,
          blocks,
          (System.nanoTime() - started) / 1e9,
          WINDOW,
          first,
          WINDOW,
          last,
          last / first,
          WINDOW,
          heapFirst >> 20,
          heapLast >> 20,
          registryAtGenesis,
          registryAtEnd);
      assertEquals(MASTERNODES, registryAtGenesis);
      assertEquals(MASTERNODES, registryAtEnd, "every masternode registered since genesis left");
      assertEquals(
          MASTERNODES,
          chain.store.masternodes().size(),
          "the store keeps only the working registry");
      assertTrue(
          last / first < 3, "block execution slowed down: " + first + " ms, then " + last + " ms");
      assertTrue(
          heapLast < heapFirst + (64L << 20),
          "the heap grew: " + (heapFirst >> 20) + " MiB, then " + (heapLast >> 20));
      // the history still has every registration: the last batch's keys at the height they were
      // active
      ByteString lastBatch = consensus.get(((blocks - 2) / 2 % 3) * BATCH);
      assertTrue(chain.store.registrationAfter(lastBatch, blocks - 2).active());
      assertTrue(!chain.store.registrationAfter(lastBatch, blocks - 1).active());
    }
  }

  private static Witness witness(ByteString key) {
    return Witness.newBuilder().setPublicKey(key).setSignature(NO_SIGNATURE).build();
  }

  private static long sum(long[] values, int from, int to) {
    long s = 0;
    for (int i = from; i <= to; i++) {
      s += values[i];
    }
    return s;
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}

package io.timecoin.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.consensus.statemachine.ConsensusConfig.Timeouts;
import io.timecoin.crypto.Address;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.protocol.GenesisBlocks;
import io.timecoin.vectors.TestVectors;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The genesis hash commits to every chain parameter (docs/protocol.md 3). */
class GenesisHashTest {
  private static final long TIME = 100_000_000L;

  private static Genesis.Masternode masternode(int i, long time) {
    return new Genesis.Masternode(
        GenesisFileTest.key(i),
        Address.of(GenesisFileTest.key(i + 10)),
        Address.of(GenesisFileTest.key(i + 20)),
        time * TIME);
  }

  private static final Genesis BASE =
      new Genesis(
          "timecoin-devnet",
          1_790_000_000_000L,
          1_000,
          new Timeouts(1_000, 500, 500, 250, 500, 250, 30_000),
          10_000,
          4 << 20,
          64 << 10,
          1_000,
          10,
          10_000,
          TIME,
          100,
          List.of(masternode(1, 1_000), masternode(2, 2_000)),
          List.of(new Genesis.Allocation(Address.of(GenesisFileTest.key(30)), 5_000 * TIME)));

  /** A copy of BASE with one component changed. */
  private static Genesis with(UnaryOperator<Object[]> change) {
    Object[] c = {
      BASE.chainId(),
      BASE.genesisTimeMs(),
      BASE.blockIntervalMs(),
      BASE.timeouts(),
      BASE.maxBlockTxs(),
      BASE.maxBlockBytes(),
      BASE.maxTxBytes(),
      BASE.minTxFee(),
      BASE.minFeePerByte(),
      BASE.minOutput(),
      BASE.registrationFee(),
      BASE.maxValidators(),
      BASE.masternodes(),
      BASE.allocations()
    };
    c = change.apply(c);
    return new Genesis(
        (String) c[0],
        (long) c[1],
        (long) c[2],
        (Timeouts) c[3],
        (int) c[4],
        (int) c[5],
        (int) c[6],
        (long) c[7],
        (long) c[8],
        (long) c[9],
        (long) c[10],
        (int) c[11],
        cast(c[12]),
        cast(c[13]));
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> cast(Object o) {
    return (List<T>) o;
  }

  private static Genesis set(int index, Object value) {
    return with(
        c -> {
          c[index] = value;
          return c;
        });
  }

  private static Genesis timeouts(UnaryOperator<long[]> change) {
    Timeouts t = BASE.timeouts();
    long[] v =
        change.apply(
            new long[] {
              t.proposeBase(),
              t.proposeDelta(),
              t.prepareBase(),
              t.prepareDelta(),
              t.precommitBase(),
              t.precommitDelta(),
              t.cap()
            });
    return set(3, new Timeouts(v[0], v[1], v[2], v[3], v[4], v[5], v[6]));
  }

  private static UnaryOperator<long[]> plusOne(int i) {
    return v -> {
      v[i]++;
      return v;
    };
  }

  @Test
  void changingAnySingleParameterChangesTheGenesisHash() {
    List<Genesis> changed =
        new ArrayList<>(
            List.of(
                set(0, "timecoin-devnet2"),
                set(1, BASE.genesisTimeMs() + 1),
                set(2, BASE.blockIntervalMs() + 1),
                set(4, BASE.maxBlockTxs() + 1),
                set(5, BASE.maxBlockBytes() + 1),
                set(6, BASE.maxTxBytes() + 1),
                set(7, BASE.minTxFee() + 1),
                set(8, BASE.minFeePerByte() + 1),
                set(9, BASE.minOutput() + 1),
                set(10, BASE.registrationFee() + 1),
                set(11, BASE.maxValidators() + 1),
                // each field of a masternode, and their order
                set(12, List.of(masternode(3, 1_000), masternode(2, 2_000))),
                set(
                    12,
                    List.of(
                        new Genesis.Masternode(
                            GenesisFileTest.key(1),
                            Address.of(GenesisFileTest.key(11)),
                            Address.of(GenesisFileTest.key(29)),
                            1_000 * TIME),
                        masternode(2, 2_000))),
                set(
                    12,
                    List.of(
                        masternode(1, 1_000),
                        new Genesis.Masternode(
                            GenesisFileTest.key(2),
                            Address.of(GenesisFileTest.key(12)),
                            Address.of(GenesisFileTest.key(22)),
                            2_000 * TIME + 1))),
                set(12, List.of(masternode(2, 2_000), masternode(1, 1_000)))));
    for (int i = 0; i < 7; i++) {
      changed.add(timeouts(plusOne(i)));
    }
    // the owner's address of a masternode: the collateral output and the PARAMS both carry it
    changed.add(
        set(
            12,
            List.of(
                new Genesis.Masternode(
                    GenesisFileTest.key(1),
                    Address.of(GenesisFileTest.key(28)),
                    Address.of(GenesisFileTest.key(21)),
                    1_000 * TIME),
                masternode(2, 2_000))));

    Set<ByteString> hashes = new HashSet<>();
    hashes.add(BASE.hash());
    for (Genesis g : changed) {
      assertNotEquals(
          BASE.chainParams().toString() + BASE.chainId(),
          g.chainParams().toString() + g.chainId(),
          "each change is a change of the parameters");
      hashes.add(g.hash());
    }
    assertEquals(changed.size() + 1, hashes.size(), "every change gives a genesis hash of its own");
    // and an allocation, an output of block 0 rather than a parameter
    assertNotEquals(
        BASE.hash(),
        set(
                13,
                List.of(
                    new Genesis.Allocation(Address.of(GenesisFileTest.key(30)), 5_000 * TIME + 1)))
            .hash());
  }

  @Test
  void theNodeBuildsTheBlockZeroOfTheTestVectors() {
    // the sample genesis of proto/testvectors/v2.json, from the node's own genesis code
    Block vector = TestVectors.genesis();
    var p = vector.getBody().getTransactions(0).getGenesis().getParams();
    List<Genesis.Masternode> mns =
        p.getMasternodesList().stream()
            .map(
                m ->
                    new Genesis.Masternode(
                        io.timecoin.crypto.Ed25519PublicKey.of(m.getConsensusKey().toByteArray()),
                        Address.fromBytes(m.getOwnerAddress().toByteArray()),
                        Address.fromBytes(m.getRewardAddress().toByteArray()),
                        m.getCollateral()))
            .toList();
    Transaction tx = vector.getBody().getTransactions(0);
    List<Genesis.Allocation> allocations =
        tx.getOutputsList().subList(0, tx.getOutputsCount() - mns.size()).stream()
            .map(
                o ->
                    new Genesis.Allocation(
                        Address.fromBytes(o.getAddress().toByteArray()), o.getAmount()))
            .toList();
    Genesis g =
        new Genesis(
            vector.getHeader().getChainId(),
            p.getGenesisTimeMs(),
            p.getBlockIntervalMs(),
            new Timeouts(
                p.getProposeMs(),
                p.getProposeDeltaMs(),
                p.getPrepareMs(),
                p.getPrepareDeltaMs(),
                p.getPrecommitMs(),
                p.getPrecommitDeltaMs(),
                p.getCapMs()),
            p.getMaxBlockTxs(),
            p.getMaxBlockBytes(),
            p.getMaxTxBytes(),
            p.getMinTxFee(),
            p.getMinFeePerByte(),
            p.getMinOutput(),
            p.getRegistrationFee(),
            p.getMaxValidators(),
            mns,
            allocations);
    assertEquals(vector, g.block());
    assertEquals(Hashes.block(vector.getHeader()), g.hash());
  }

  @Test
  void aBlockZeroWithoutItsParametersIsRefused() {
    Block block = BASE.block();
    GenesisBlocks.check(block);
    Transaction tx = block.getBody().getTransactions(0);
    Block bare =
        block.toBuilder()
            .setBody(
                block.getBody().toBuilder()
                    .setTransactions(
                        0, tx.toBuilder().setGenesis(tx.getGenesis().toBuilder().clearParams())))
            .build();
    assertThrows(MalformedException.class, () -> GenesisBlocks.check(bare));
    Block otherTime =
        block.toBuilder().setHeader(block.getHeader().toBuilder().setTimestampMs(1)).build();
    assertThrows(MalformedException.class, () -> GenesisBlocks.check(otherTime));
    Block v1 = block.toBuilder().setHeader(block.getHeader().toBuilder().setVersion(1)).build();
    assertThrows(MalformedException.class, () -> GenesisBlocks.check(v1));
  }
}

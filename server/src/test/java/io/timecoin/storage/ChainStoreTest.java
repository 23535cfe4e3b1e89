package io.timecoin.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.ledger.StateChanges;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Validator;
import io.timecoin.protocol.ValidatorSet;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

class ChainStoreTest {
  private static final String CHAIN = "timecoin-storage-test";

  @TempDir Path dir;

  /**
   * Issue 14 item 7: a 33-byte txid overflowed the 36-byte outpoint key (BufferOverflowException on
   * a verifier thread), and a 31-byte one silently read another key. Both are refused by name.
   */
  @Test
  void anOutpointKeyOfTheWrongLengthIsRefusedByName() throws Exception {
    try (ChainStore store = ChainStore.open(dir)) {
      store.putGenesis(chain(CHAIN, 0).get(0), genesisChanges());
      for (int n : new int[] {0, 31, 33}) {
        OutPoint o =
            OutPoint.newBuilder().setTxid(ByteString.copyFrom(new byte[n])).setIndex(1).build();
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> store.unspent(o));
        assertTrue(e.getMessage().contains("32 bytes, not " + n), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.created(o));
      }
    }
  }

  @Test
  void storesGenesisAndFinalizedBlocksAndReadsThemBackAfterReopening() throws Exception {
    List<Block> chain = chain(CHAIN, 3);
    try (ChainStore store = ChainStore.open(dir)) {
      assertEquals(-1, store.tipHeight());
      store.putGenesis(chain.get(0), genesisChanges());
      assertEquals(0, store.tipHeight());
      for (int h = 1; h <= 3; h++) {
        store.putFinalized(chain.get(h), certificate(chain.get(h)), changes(chain.get(h)));
        assertEquals(h, store.tipHeight());
      }
    }
    try (ChainStore store = ChainStore.open(dir)) {
      assertEquals(3, store.tipHeight());
      store.putGenesis(
          chain.get(0), genesisChanges()); // the same genesis again is accepted and changes nothing
      assertEquals(3, store.tipHeight());
      for (int h = 0; h <= 3; h++) {
        Block block = chain.get(h);
        assertEquals(Optional.of(block), store.blockAt(h));
        assertEquals(OptionalLong.of(h), store.heightOf(Hashes.block(block.getHeader())));
        assertEquals(
            h == 0 ? Optional.empty() : Optional.of(certificate(block)), store.certificateAt(h));
      }
      assertEquals(Optional.empty(), store.blockAt(4));
      assertEquals(Optional.empty(), store.blockAt(-1));
      assertEquals(Optional.empty(), store.certificateAt(4));
      assertEquals(OptionalLong.empty(), store.heightOf(hash(99)));
    }
  }

  @Test
  void refusesTheGenesisOfAnotherChain() throws Exception {
    Block ours = chain(CHAIN, 0).get(0);
    Block theirs = chain("another-chain", 0).get(0);
    try (ChainStore store = ChainStore.open(dir)) {
      store.putGenesis(ours, genesisChanges());
    }
    try (ChainStore store = ChainStore.open(dir)) {
      StorageException e =
          assertThrows(StorageException.class, () -> store.putGenesis(theirs, genesisChanges()));
      assertTrue(e.getMessage().contains("belongs to another chain"), e.getMessage());
      assertTrue(e.getMessage().contains(hex(Hashes.block(ours.getHeader()))), e.getMessage());
      assertEquals(Optional.of(ours), store.blockAt(0));
    }
  }

  @Test
  void aStoreOfAProtocolV1ChainIsRefusedAsSuch() throws Exception {
    Block genesis = chain(CHAIN, 0).get(0);
    try (ChainStore store = ChainStore.open(dir)) {
      store.putGenesis(genesis, genesisChanges());
    }
    try (ChainStore store = ChainStore.open(dir)) {
      store.putGenesis(
          genesis, genesisChanges()); // the marker written with block 0 says v2: reopened as before
      store.dropProtocolMarker(); // as a v1 node left it
    }
    try (ChainStore store = ChainStore.open(dir)) {
      OldProtocolException e =
          assertThrows(
              OldProtocolException.class, () -> store.putGenesis(genesis, genesisChanges()));
      assertEquals(1, e.storedVersion());
      assertTrue(e.getMessage().contains("holds a protocol v1 chain"), e.getMessage());
    }
  }

  @Test
  void refusesBlocksOutOfOrder() throws Exception {
    List<Block> chain = chain(CHAIN, 2);
    try (ChainStore store = ChainStore.open(dir)) {
      assertThrows(
          StorageException.class,
          () -> store.putFinalized(chain.get(1), certificate(chain.get(1)), changes(chain.get(1))));
      store.putGenesis(chain.get(0), genesisChanges());
      assertThrows(
          StorageException.class,
          () -> store.putFinalized(chain.get(2), certificate(chain.get(2)), changes(chain.get(2))));
      store.putFinalized(chain.get(1), certificate(chain.get(1)), changes(chain.get(1)));
      assertThrows(
          StorageException.class,
          () -> store.putFinalized(chain.get(1), certificate(chain.get(1)), changes(chain.get(1))));
      assertEquals(1, store.tipHeight());
      assertEquals(Optional.empty(), store.blockAt(2));
    }
  }

  @Test
  void refusesABlockThatDoesNotExtendTheTipOrACertificateOfAnotherBlock() throws Exception {
    List<Block> chain = chain(CHAIN, 1);
    Block stranger = chain("another-chain", 1).get(1);
    try (ChainStore store = ChainStore.open(dir)) {
      store.putGenesis(chain.get(0), genesisChanges());
      assertThrows(
          StorageException.class,
          () -> store.putFinalized(stranger, certificate(stranger), changes(stranger)));
      assertThrows(
          StorageException.class,
          () -> store.putFinalized(chain.get(1), certificate(stranger), changes(chain.get(1))));
      assertEquals(0, store.tipHeight());
    }
  }

  @Test
  void aValueThatDoesNotParseIsReportedAsCorruptionNamingItsHeight() throws Exception {
    List<Block> chain = chain(CHAIN, 2);
    try (ChainStore store = ChainStore.open(dir)) {
      store.putGenesis(chain.get(0), genesisChanges());
      store.putFinalized(chain.get(1), certificate(chain.get(1)), changes(chain.get(1)));
      store.putFinalized(chain.get(2), certificate(chain.get(2)), changes(chain.get(2)));
    }
    overwrite("blocks", 1, new byte[] {(byte) 0xff, 0x01, 0x02});
    overwrite("certificates", 2, new byte[] {0x0a, 0x7f});
    try (ChainStore store = ChainStore.open(dir)) {
      StorageException block = assertThrows(StorageException.class, () -> store.blockAt(1));
      assertTrue(block.getMessage().contains("block 1"), block.getMessage());
      StorageException cert = assertThrows(StorageException.class, () -> store.certificateAt(2));
      assertTrue(cert.getMessage().contains("block 2"), cert.getMessage());
      assertEquals(Optional.of(chain.get(2)), store.blockAt(2));
    }
  }

  @Test
  void unspentOutputsReadTheSameFromMemoryAndFromRocksDbAcrossSpendsEvictionAndReopening()
      throws Exception {
    // block 1 creates more outputs than the store keeps in memory; block 2 spends the first and the
    // last
    int count = ChainStore.RECENT_OUTPUTS + 10;
    List<Block> chain = chain(CHAIN, 2);
    ByteString txid = hash(7000);
    List<StateChanges.Created> created = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      created.add(new StateChanges.Created(outpoint(txid, i), output(i)));
    }
    OutPoint first = outpoint(txid, 0);
    OutPoint last = outpoint(txid, count - 1);
    // an output created and spent within one block is never unspent
    OutPoint passing = outpoint(hash(7001), 0);
    List<StateChanges.Spent> spent =
        List.of(
            new StateChanges.Spent(first, output(0), hash(7002)),
            new StateChanges.Spent(last, output(count - 1), hash(7002)),
            new StateChanges.Spent(passing, output(5), hash(7002)));
    try (ChainStore store = ChainStore.open(dir)) {
      store.putGenesis(chain.get(0), genesisChanges());
      store.putFinalized(
          chain.get(1),
          certificate(chain.get(1)),
          new StateChanges(1, created, List.of(), List.of(txid), List.of(), null));
      assertEquals(output(0), store.unspent(first)); // evicted from memory: read from RocksDB
      assertEquals(output(count - 1), store.unspent(last)); // in memory
      store.putFinalized(
          chain.get(2),
          certificate(chain.get(2)),
          new StateChanges(
              2,
              List.of(new StateChanges.Created(passing, output(5))),
              spent,
              List.of(hash(7001), hash(7002)),
              List.of(),
              null));
      assertEquals(null, store.unspent(first));
      assertEquals(null, store.unspent(last));
      assertEquals(null, store.unspent(passing));
      assertEquals(output(1), store.unspent(outpoint(txid, 1)));
      assertEquals(output(count - 2), store.unspent(outpoint(txid, count - 2)));
    }
    try (ChainStore store = ChainStore.open(dir)) { // nothing in memory: RocksDB says the same
      assertEquals(null, store.unspent(first));
      assertEquals(null, store.unspent(last));
      assertEquals(null, store.unspent(passing));
      assertEquals(output(count - 2), store.unspent(outpoint(txid, count - 2)));
    }
  }

  /**
   * docs/protocol.md 7: the changes come from the index of change heights, each with the header and
   * certificate before it.
   */
  @Test
  void validatorSetChangesAreAnsweredFromTheIndexOfChangeHeights() throws Exception {
    List<Block> chain = chain(CHAIN, 5);
    ValidatorSet second =
        ValidatorSet.of(
            4,
            List.of(
                Validator.newBuilder()
                    .setKey(
                        ByteString.copyFrom(
                            Ed25519KeyPair.fromSeed(
                                    new byte[] {
                                      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                      19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
                                    })
                                .publicKey()
                                .bytes()))
                    .setWeight(5)
                    .build()));
    try (ChainStore store = ChainStore.open(dir)) {
      store.putGenesis(chain.get(0), genesisChanges());
      for (int h = 1; h <= 5; h++) {
        StateChanges changes =
            h == 3 // block 3 changes the set that votes from height 4
                ? new StateChanges(3, List.of(), List.of(), List.of(), List.of(), second)
                : changes(chain.get(h));
        store.putFinalized(chain.get(h), certificate(chain.get(h)), changes);
      }
    }
    try (ChainStore store = ChainStore.open(dir)) {
      ChainStore.SetChanges all = store.validatorSetChanges(0, 100);
      assertEquals(5, all.finalizedHeight());
      assertEquals(List.of(1L, 4L), all.changes().stream().map(c -> c.getHeight()).toList());
      var first = all.changes().get(0);
      assertEquals(
          chain.get(0).getHeader(), first.getHeader(), "c = 1 carries the header of block 0");
      assertTrue(!first.hasCertificate(), "block 0 has no certificate");
      assertEquals(
          genesisChanges().nextSet().hash(),
          ValidatorSet.fromProto(first.getValidatorSet()).hash());
      var change = all.changes().get(1);
      assertEquals(chain.get(3).getHeader(), change.getHeader());
      assertEquals(certificate(chain.get(3)), change.getCertificate());
      assertEquals(second.hash(), ValidatorSet.fromProto(change.getValidatorSet()).hash());
      assertEquals(4, change.getValidatorSet().getHeight());

      assertEquals(
          List.of(1L),
          store.validatorSetChanges(0, 1).changes().stream().map(c -> c.getHeight()).toList());
      assertEquals(
          List.of(4L),
          store.validatorSetChanges(1, 100).changes().stream().map(c -> c.getHeight()).toList());
      assertEquals(
          List.of(4L),
          store.validatorSetChanges(3, 100).changes().stream().map(c -> c.getHeight()).toList());
      for (long from :
          new long[] {
            4, 5, 6, 1_000, Long.MAX_VALUE, Long.MIN_VALUE, -1
          }) { // beyond the tip, and past 2^63
        assertEquals(
            List.of(),
            store.validatorSetChanges(from, 100).changes(),
            "from " + Long.toUnsignedString(from));
      }
    }
  }

  private static OutPoint outpoint(ByteString txid, int index) {
    return OutPoint.newBuilder().setTxid(txid).setIndex(index).build();
  }

  private static TxOutput output(int i) {
    return TxOutput.newBuilder()
        .setAmount(1_000 + i)
        .setAddress(hash(8000 + i).substring(0, 20))
        .build();
  }

  /** Writes {@code value} at {@code height} of a column family, behind the store's back. */
  private void overwrite(String family, long height, byte[] value) throws Exception {
    List<String> families =
        List.of(
            "default",
            "blocks",
            "hashes",
            "certificates",
            "meta",
            "utxos",
            "spent",
            "addresses",
            "transactions",
            "masternodes",
            "validator_sets",
            "rewards",
            "masternode_history",
            "evidence",
            "address_history");
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    for (String name : families) {
      descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.US_ASCII)));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions options = new DBOptions();
        RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles)) {
      int index = families.indexOf(family);
      db.put(handles.get(index), ByteBuffer.allocate(8).putLong(height).array(), value);
      handles.forEach(ColumnFamilyHandle::close);
    }
  }

  /** Genesis and {@code length} blocks after it, each naming the previous one's hash. */
  static List<Block> chain(String chainId, int length) {
    List<Block> blocks = new ArrayList<>();
    ByteString prev = Hashes.NIL;
    for (int h = 0; h <= length; h++) {
      BlockHeader header =
          BlockHeader.newBuilder()
              .setVersion(2)
              .setChainId(chainId)
              .setHeight(h)
              .setTimestampMs(1_700_000_000_000L + h * 1_000L)
              .setPrevHash(prev)
              .setTxRoot(hash(1000 + h))
              .setWitnessRoot(hash(5000 + h))
              .setLastCertificateHash(h == 0 ? Hashes.NIL : hash(2000 + h))
              .setValidatorSetHash(hash(3000))
              .setNextValidatorSetHash(hash(3000))
              .setProposer(h == 0 ? Hashes.NIL : hash(4000 + h % 3))
              .build();
      blocks.add(Block.newBuilder().setHeader(header).build());
      prev = Hashes.block(header);
    }
    return blocks;
  }

  static FinalityCertificate certificate(Block block) {
    FinalityCertificate.Builder cert =
        FinalityCertificate.newBuilder()
            .setHeight(block.getHeader().getHeight())
            .setRound(1)
            .setBlockHash(Hashes.block(block.getHeader()));
    for (int v = 0; v < 3; v++) {
      cert.addSignatures(
          CertificateSignature.newBuilder()
              .setValidator(hash(4000 + v))
              .setSignature(hash(5000 + v).concat(hash(6000 + v))));
    }
    return cert.build();
  }

  /** Block 0's state changes: none but the validator set of height 1, which every store holds. */
  static StateChanges genesisChanges() {
    ByteString key = ByteString.copyFrom(Ed25519KeyPair.fromSeed(new byte[32]).publicKey().bytes());
    return new StateChanges(
        0,
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        ValidatorSet.of(1, List.of(Validator.newBuilder().setKey(key).setWeight(1).build())));
  }

  /** No state changes: these tests are about the chain itself. */
  static StateChanges changes(Block block) {
    return new StateChanges(
        block.getHeader().getHeight(), List.of(), List.of(), List.of(), List.of(), null);
  }

  /** An arbitrary 32-byte value, distinct for each seed. */
  static ByteString hash(int seed) {
    byte[] bytes = new byte[32];
    ByteBuffer.wrap(bytes).putInt(seed).putInt(~seed);
    bytes[31] = 1;
    return ByteString.copyFrom(bytes);
  }

  private static String hex(ByteString bytes) {
    return java.util.HexFormat.of().formatHex(bytes.toByteArray());
  }
}

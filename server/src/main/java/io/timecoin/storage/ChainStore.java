package io.timecoin.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.ledger.LedgerStore;
import io.timecoin.ledger.MasternodeRecord;
import io.timecoin.ledger.StateChanges;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.ProtocolVersion;
import io.timecoin.protocol.ValidatorSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The finalized chain of one node, in RocksDB.
 *
 * <p>Column families (heights are 8-byte big-endian, so keys sort by height):
 *
 * <ul>
 *   <li>{@code blocks}: height → {@link Block} protobuf bytes;
 *   <li>{@code hashes}: block hash (32 bytes) → height;
 *   <li>{@code certificates}: height → {@link FinalityCertificate} protobuf bytes (none for block
 *       0, which has no certificate): the one that finalized the block, replaced by the one the
 *       next block carries once that is final (it holds every timely signer);
 *   <li>{@code meta}: {@code "tip"} → the height of the last stored block; {@code "protocol"} → the
 *       protocol version u32 of the chain, written with block 0 (a store without it holds a v1
 *       chain);
 *   <li>{@code utxos}: outpoint (txid, index u32) → amount u64, height u64 (of the block that
 *       created it), address (20 bytes): the unspent outputs;
 *   <li>{@code spent}: outpoint → the txid that spent it (so ALREADY_SPENT is told from
 *       UNKNOWN_INPUT);
 *   <li>{@code addresses}: address ‖ outpoint → amount u64, height u64: each address's unspent
 *       outputs;
 *   <li>{@code transactions}: txid → height u64, position u32 in its block;
 *   <li>{@code masternodes}: consensus key → {@link MasternodeRecord} bytes: the working registry
 *       of the tip (active masternodes, and those leaving until their last reward is paid);
 *   <li>{@code validator_sets}: height → the ValidatorSet protobuf of that height, written where
 *       the set changes (the set of a height is the entry at or below it): also the index of the
 *       changes that {@link #validatorSetChanges} answers from;
 *   <li>{@code rewards}: height → the RewardBreakdown protobuf of that block (subsidy, fees,
 *       payments);
 *   <li>{@code masternode_history}: height ‖ consensus key → the masternode's record after the
 *       block of that height changed its registration (so the registry of a past height can be
 *       rebuilt);
 *   <li>{@code evidence}: height ‖ round u32 ‖ kind u8 ‖ validator key → {@link
 *       EquivocationEvidence} bytes: one record per (validator, height, round, kind), bounded per
 *       validator and in all (see {@link #putEvidence});
 *   <li>{@code address_history}: address ‖ ~height ‖ ~index → txid, timestamp, received, sent:
 *       every transaction of each address, newest first ({@link AddressHistory}); {@code meta}
 *       {@code "address_history"} marks a store that keeps it (one written before it is indexed
 *       once at open).
 * </ul>
 *
 * <p>A block, its hash, its certificate, the state changes of executing it and the new tip are
 * written in one synced batch, so after a crash the store holds either all of them or none, and
 * never a block beyond its tip or a state that is not its tip's.
 *
 * <p>Thread safety: any number of threads may read while one writes (RocksDB is thread-safe; the
 * only Java state is the immutable tip, published through a volatile field; writes are serialized).
 * {@link #close()} must come after every reader and writer has finished: RocksDB handles must not
 * be used once closed.
 */
public final class ChainStore
    implements AutoCloseable,
        LedgerStore,
        io.timecoin.node.api.ChainReads,
        io.timecoin.node.api.LedgerReads,
        io.timecoin.node.api.RegistryReads {
  /** RocksDB's memory: block cache and memtables together. */
  private static final long CACHE_BYTES = 32L << 20;

  static {
    RocksDB.loadLibrary(); // once per JVM: extracts and loads the native library
  }

  private static final java.util.logging.Logger LOG =
      java.util.logging.Logger.getLogger(ChainStore.class.getName());
  private static final byte[] TIP_KEY = "tip".getBytes(StandardCharsets.US_ASCII);

  /**
   * The protocol version of the stored chain; absent in a store of protocol v1, which had no
   * marker.
   */
  static final byte[] PROTOCOL_KEY = "protocol".getBytes(StandardCharsets.US_ASCII);

  private static final HexFormat HEX = HexFormat.of();

  /**
   * Present once the address history holds every stored block (so a store from before it is indexed
   * once).
   */
  static final byte[] HISTORY_KEY = "address_history".getBytes(StandardCharsets.US_ASCII);

  /** The last stored block: its height and hash (the hash is what the next block must extend). */
  private record Tip(long height, ByteString hash) {}

  private final Path dir;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions columnFamilyOptions;
  private final org.rocksdb.LRUCache cache;
  private final org.rocksdb.WriteBufferManager writeBuffers;
  private final List<ColumnFamilyHandle> handles;
  private final RocksDB db;
  private final ColumnFamilyHandle blocks;
  private final ColumnFamilyHandle hashes;
  private final ColumnFamilyHandle certificates;
  private final ColumnFamilyHandle meta;
  private final ColumnFamilyHandle utxos;
  private final ColumnFamilyHandle spent;
  private final ColumnFamilyHandle addresses;
  private final ColumnFamilyHandle transactions;
  private final ColumnFamilyHandle masternodes;
  private final ColumnFamilyHandle validatorSets;
  private final ColumnFamilyHandle rewards;
  private final ColumnFamilyHandle masternodeHistory;
  private final ColumnFamilyHandle evidence;
  private final ColumnFamilyHandle addressHistory;

  /**
   * The evidence keys stored, by validator, oldest first (guarded by this; read from the store at
   * open).
   */
  private final Map<ByteString, java.util.TreeSet<ByteString>> evidenceKeys =
      new java.util.HashMap<>();

  private int evidenceCount; // guarded by this
  private final WriteOptions syncWrites;
  private final WriteOptions unsyncedWrites = new WriteOptions();
  private volatile Tip tip; // null while the store is empty

  /**
   * How many unspent outputs of recent blocks {@link #recentOutputs} holds, at most (about 8 MB).
   */
  static final int RECENT_OUTPUTS = 32_768;

  /**
   * Unspent outputs that the latest blocks created, by outpoint key: most spends are of young
   * outputs, and each input is read twice (admitting the transaction, executing its block), so a
   * hit saves two RocksDB reads. Always a subset of the utxos column family: a spent output leaves
   * it before the write, a created one joins it after; the oldest are dropped first.
   */
  private final Map<ByteString, TxOutput> recentOutputs = new ConcurrentHashMap<>();

  private final ArrayDeque<ByteString> recentOrder = new ArrayDeque<>(); // guarded by this
  private boolean closed;

  private ChainStore(
      Path dir,
      DBOptions dbOptions,
      ColumnFamilyOptions columnFamilyOptions,
      org.rocksdb.LRUCache cache,
      org.rocksdb.WriteBufferManager writeBuffers,
      RocksDB db,
      List<ColumnFamilyHandle> handles) {
    this.cache = cache;
    this.writeBuffers = writeBuffers;
    this.dir = dir;
    this.dbOptions = dbOptions;
    this.columnFamilyOptions = columnFamilyOptions;
    this.db = db;
    this.handles = handles;
    // handles come back in the order of the descriptors in open(): default first
    this.blocks = handles.get(1);
    this.hashes = handles.get(2);
    this.certificates = handles.get(3);
    this.meta = handles.get(4);
    this.utxos = handles.get(5);
    this.spent = handles.get(6);
    this.addresses = handles.get(7);
    this.transactions = handles.get(8);
    this.masternodes = handles.get(9);
    this.validatorSets = handles.get(10);
    this.rewards = handles.get(11);
    this.masternodeHistory = handles.get(12);
    this.evidence = handles.get(13);
    this.addressHistory = handles.get(14);
    this.syncWrites = new WriteOptions().setSync(true); // a finalized block must survive a crash
  }

  /**
   * Opens the store in {@code dir}, creating the directory, the database and its column families if
   * missing.
   */
  public static ChainStore open(Path dir) throws StorageException {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StorageException(
          "cannot create the chain directory " + dir + ": " + e.getMessage(), e);
    }
    // A fixed memory budget, whatever the chain's size: memtables and the block cache (with index
    // and
    // filter blocks) share CACHE_BYTES, so a validator's resident memory stays flat as the chain
    // grows.
    org.rocksdb.LRUCache cache = new org.rocksdb.LRUCache(CACHE_BYTES);
    org.rocksdb.WriteBufferManager writeBuffers =
        new org.rocksdb.WriteBufferManager(CACHE_BYTES / 2, cache);
    // The write-ahead log is written out when a write is synced (a finalized block, each one) or by
    // sync(), not after every write: a caught-up block then costs no system call. A crash loses at
    // most
    // the unsynced tail of the log, a prefix of the chain stays, and the blocks are fetched again.
    DBOptions dbOptions =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setWriteBufferManager(writeBuffers)
            .setManualWalFlush(true);
    ColumnFamilyOptions cfOptions =
        new ColumnFamilyOptions()
            .setWriteBufferSize(4L << 20)
            .setTableFormatConfig(
                new org.rocksdb.BlockBasedTableConfig()
                    .setBlockCache(cache)
                    .setCacheIndexAndFilterBlocks(true)
                    .setPinL0FilterAndIndexBlocksInCache(true));
    List<ColumnFamilyDescriptor> descriptors =
        List.of(
            new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
            new ColumnFamilyDescriptor(bytes("blocks"), cfOptions),
            new ColumnFamilyDescriptor(bytes("hashes"), cfOptions),
            new ColumnFamilyDescriptor(bytes("certificates"), cfOptions),
            new ColumnFamilyDescriptor(bytes("meta"), cfOptions),
            new ColumnFamilyDescriptor(bytes("utxos"), cfOptions),
            new ColumnFamilyDescriptor(bytes("spent"), cfOptions),
            new ColumnFamilyDescriptor(bytes("addresses"), cfOptions),
            new ColumnFamilyDescriptor(bytes("transactions"), cfOptions),
            new ColumnFamilyDescriptor(bytes("masternodes"), cfOptions),
            new ColumnFamilyDescriptor(bytes("validator_sets"), cfOptions),
            new ColumnFamilyDescriptor(bytes("rewards"), cfOptions),
            new ColumnFamilyDescriptor(bytes("masternode_history"), cfOptions),
            new ColumnFamilyDescriptor(bytes("evidence"), cfOptions),
            new ColumnFamilyDescriptor(bytes("address_history"), cfOptions));
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    RocksDB db;
    try {
      db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
    } catch (RocksDBException e) {
      handles.forEach(ColumnFamilyHandle::close);
      cfOptions.close();
      dbOptions.close();
      writeBuffers.close();
      cache.close();
      throw new StorageException(
          "cannot open the chain database in " + dir + ": " + e.getMessage(), e);
    }
    ChainStore store = new ChainStore(dir, dbOptions, cfOptions, cache, writeBuffers, db, handles);
    try {
      store.tip = store.readTip();
      store.loadEvidenceKeys();
      store.indexHistoryIfMissing();
    } catch (StorageException e) {
      store.close();
      throw e;
    }
    return store;
  }

  /**
   * Stores block 0 and the state it creates if the store is empty, with the protocol marker. If a
   * block 0 is already stored, it must be this one: a data directory serves one chain, of this
   * protocol version ({@link OldProtocolException} for a chain of an earlier one).
   */
  public synchronized void putGenesis(Block genesis, StateChanges changes) throws StorageException {
    long height = genesis.getHeader().getHeight();
    if (height != 0) {
      throw new StorageException("a genesis block has height 0, got " + height);
    }
    ByteString hash = hashOf(genesis);
    if (tip != null) {
      int version = storedProtocol();
      if (version != ProtocolVersion.BLOCK) {
        throw new OldProtocolException(
            "the chain store in "
                + dir
                + " holds a protocol v"
                + version
                + " chain (blocks before protocol v"
                + ProtocolVersion.BLOCK
                + ")",
            version);
      }
      ByteString stored =
          hashOf(
              blockAt(0)
                  .orElseThrow(
                      () ->
                          new StorageException(
                              "corrupt chain store in "
                                  + dir
                                  + ": a tip but no block at height 0")));
      if (!stored.equals(hash)) {
        throw new StorageException(
            "this data directory ("
                + dir
                + ") belongs to another chain: genesis hash "
                + hex(stored)
                + ", expected "
                + hex(hash));
      }
      return; // the same genesis again: nothing to do
    }
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(blocks, heightKey(0), genesis.toByteArray());
      batch.put(hashes, hash.toByteArray(), heightKey(0));
      batch.put(meta, TIP_KEY, heightKey(0));
      batch.put(meta, PROTOCOL_KEY, ByteBuffer.allocate(4).putInt(ProtocolVersion.BLOCK).array());
      batch.put(meta, HISTORY_KEY, new byte[0]);
      writeChanges(batch, changes);
      writeHistory(batch, AddressHistory.of(genesis, changes.txids(), o -> null));
      db.write(syncWrites, batch);
    } catch (RocksDBException e) {
      throw new StorageException("cannot write the genesis block: " + e.getMessage(), e);
    }
    tip = new Tip(0, hash);
  }

  /**
   * The protocol version the store's marker names: 1 when it has none (v1 stores had no marker).
   */
  private int storedProtocol() throws StorageException {
    byte[] marker;
    try {
      marker = db.get(meta, PROTOCOL_KEY);
    } catch (RocksDBException e) {
      throw new StorageException("cannot read the protocol marker: " + e.getMessage(), e);
    }
    if (marker == null) {
      return 1;
    }
    if (marker.length != 4) {
      throw new StorageException(
          "corrupt chain store in " + dir + ": a protocol marker of " + marker.length + " bytes");
    }
    return ByteBuffer.wrap(marker).getInt();
  }

  /** Drops the protocol marker, leaving a store as protocol v1 wrote it (tests of a v1 home). */
  synchronized void dropProtocolMarker() throws StorageException {
    try {
      db.delete(meta, syncWrites, PROTOCOL_KEY);
    } catch (RocksDBException e) {
      throw new StorageException("cannot drop the protocol marker: " + e.getMessage(), e);
    }
  }

  /**
   * Stores the next finalized block with its certificate and the state changes of executing it,
   * durably (synced) and atomically. Refuses a block that is not at tip + 1, does not extend the
   * tip, or whose certificate or changes are for another height or block.
   */
  public void putFinalized(Block block, FinalityCertificate certificate, StateChanges changes)
      throws StorageException {
    putFinalized(block, certificate, changes, true);
  }

  /**
   * As {@link #putFinalized(Block, FinalityCertificate, StateChanges)}; with {@code synced} false
   * the write reaches the write-ahead log (so it survives the process crashing) but is not fsynced:
   * for blocks caught up from a peer, which a power cut could only make the node fetch again.
   * {@link #sync} makes them durable.
   */
  public synchronized void putFinalized(
      Block block, FinalityCertificate certificate, StateChanges changes, boolean synced)
      throws StorageException {
    Tip t = tip;
    long height = block.getHeader().getHeight();
    if (t == null) {
      throw new StorageException(
          "refusing block " + height + ": the store has no genesis block yet");
    }
    if (height != t.height() + 1) {
      throw new StorageException(
          "refusing block "
              + height
              + ": the tip is "
              + t.height()
              + ", so the next block is "
              + (t.height() + 1));
    }
    if (!block.getHeader().getPrevHash().equals(t.hash())) {
      throw new StorageException(
          "refusing block "
              + height
              + ": its prev_hash "
              + hex(block.getHeader().getPrevHash())
              + " is not the tip's hash "
              + hex(t.hash()));
    }
    ByteString hash = hashOf(block);
    if (certificate.getHeight() != height || !certificate.getBlockHash().equals(hash)) {
      throw new StorageException(
          "refusing block "
              + height
              + " ("
              + hex(hash)
              + "): its certificate is for block "
              + certificate.getHeight()
              + " ("
              + hex(certificate.getBlockHash())
              + ")");
    }
    if (changes.height() != height) {
      throw new StorageException(
          "refusing block " + height + ": its state changes are for height " + changes.height());
    }
    byte[] key = heightKey(height);
    List<ByteString> spentKeys;
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(blocks, key, block.toByteArray());
      batch.put(hashes, hash.toByteArray(), key);
      batch.put(certificates, key, certificate.toByteArray());
      FinalityCertificate carried = block.getBody().getLastCertificate();
      if (height >= 2
          && carried.getHeight() == t.height()
          && carried.getBlockHash().equals(t.hash())) {
        // the parent's certificate becomes the one this block carries (docs/protocol.md 5.7): every
        // timely signer, and the one the header commits to, so every node answers the same for it
        batch.put(certificates, heightKey(t.height()), carried.toByteArray());
      }
      batch.put(meta, TIP_KEY, key);
      writeChanges(batch, changes);
      Map<OutPoint, TxOutput> spentOutputs = new java.util.HashMap<>();
      changes.spent().forEach(x -> spentOutputs.put(x.outpoint(), x.output()));
      writeHistory(batch, AddressHistory.of(block, changes.txids(), spentOutputs::get));
      spentKeys = changes.spent().stream().map(x -> recentKey(x.outpoint())).toList();
      spentKeys.forEach(recentOutputs::remove);
      db.write(synced ? syncWrites : unsyncedWrites, batch);
    } catch (RocksDBException e) {
      throw new StorageException("cannot write block " + height + ": " + e.getMessage(), e);
    }
    tip = new Tip(height, hash);
    rememberCreated(changes, spentKeys);
  }

  /**
   * After a block's write: its new outputs join the recent ones (those it also spent leave again).
   */
  private void rememberCreated(StateChanges changes, List<ByteString> spentKeys) {
    for (StateChanges.Created c : changes.created()) {
      ByteString key = recentKey(c.outpoint());
      // only what unspent() would read back: an output's unknown fields are not state
      recentOutputs.put(
          key,
          TxOutput.newBuilder()
              .setAmount(c.output().getAmount())
              .setAddress(c.output().getAddress())
              .build());
      recentOrder.add(key);
    }
    spentKeys.forEach(recentOutputs::remove);
    while (recentOrder.size() > RECENT_OUTPUTS) {
      recentOutputs.remove(recentOrder.poll());
    }
  }

  /** Makes every block written so far durable (writes out and fsyncs the write-ahead log). */
  public synchronized void sync() throws StorageException {
    try {
      db.flushWal(true);
    } catch (RocksDBException e) {
      throw new StorageException("cannot sync the write-ahead log: " + e.getMessage(), e);
    }
  }

  /** The height of the last stored block: 0 with genesis only, -1 while the store is empty. */
  public long tipHeight() {
    Tip t = tip;
    return t == null ? -1 : t.height();
  }

  /** The block at {@code height}, or empty if none is stored there. */
  public Optional<Block> blockAt(long height) throws StorageException {
    if (height < 0) {
      return Optional.empty();
    }
    byte[] value = get(blocks, heightKey(height), "block " + height);
    if (value == null) {
      return Optional.empty();
    }
    Block block;
    try {
      block = Block.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw corrupt("block " + height + " does not parse: " + e.getMessage(), e);
    }
    // protobuf parses many damaged values without complaint; the height inside must match the key
    if (block.getHeader().getHeight() != height) {
      throw corrupt(
          "the block stored at height " + height + " says height " + block.getHeader().getHeight(),
          null);
    }
    return Optional.of(block);
  }

  /** The certificate of the block at {@code height}; empty for block 0 and heights not stored. */
  public Optional<FinalityCertificate> certificateAt(long height) throws StorageException {
    if (height < 0) {
      return Optional.empty();
    }
    byte[] value = get(certificates, heightKey(height), "the certificate of block " + height);
    if (value == null) {
      return Optional.empty();
    }
    FinalityCertificate certificate;
    try {
      certificate = FinalityCertificate.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw corrupt("the certificate of block " + height + " does not parse: " + e.getMessage(), e);
    }
    if (certificate.getHeight() != height) {
      throw corrupt(
          "the certificate stored at height " + height + " says height " + certificate.getHeight(),
          null);
    }
    return Optional.of(certificate);
  }

  /** The height of the stored block with this hash, if any. */
  public OptionalLong heightOf(ByteString blockHash) throws StorageException {
    byte[] value = get(hashes, blockHash.toByteArray(), "the height of block " + hex(blockHash));
    if (value == null) {
      return OptionalLong.empty();
    }
    if (value.length != Long.BYTES) {
      throw corrupt(
          "the height of block " + hex(blockHash) + " is " + value.length + " bytes, not 8", null);
    }
    return OptionalLong.of(ByteBuffer.wrap(value).getLong());
  }

  private void writeChanges(WriteBatch batch, StateChanges changes) throws RocksDBException {
    byte[] height = heightKey(changes.height());
    for (StateChanges.Created c : changes.created()) {
      byte[] outpoint = outpointKey(c.outpoint());
      byte[] address = c.output().getAddress().toByteArray();
      batch.put(
          utxos,
          outpoint,
          ByteBuffer.allocate(36).putLong(c.output().getAmount()).put(height).put(address).array());
      batch.put(
          addresses,
          concat(address, outpoint),
          ByteBuffer.allocate(16).putLong(c.output().getAmount()).put(height).array());
    }
    for (StateChanges.Spent x :
        changes.spent()) { // after the created ones: an output may be both in one block
      byte[] outpoint = outpointKey(x.outpoint());
      batch.delete(utxos, outpoint);
      batch.delete(addresses, concat(x.output().getAddress().toByteArray(), outpoint));
      batch.put(spent, outpoint, x.spender().toByteArray());
    }
    for (int i = 0; i < changes.txids().size(); i++) {
      batch.put(
          transactions,
          changes.txids().get(i).toByteArray(),
          ByteBuffer.allocate(12).put(height).putInt(i).array());
    }
    for (MasternodeRecord m : changes.masternodes()) {
      batch.put(masternodes, m.consensusKey().toByteArray(), m.toBytes());
    }
    for (ByteString key : changes.departed()) { // the history keeps them (docs/protocol.md 4.1)
      batch.delete(masternodes, key.toByteArray());
    }
    for (MasternodeRecord m : changes.registrations()) {
      batch.put(masternodeHistory, concat(height, m.consensusKey().toByteArray()), m.toBytes());
    }
    if (changes.reward() != null) {
      batch.put(rewards, height, changes.reward().toByteArray());
    }
    if (changes.nextSet() != null) {
      batch.put(
          validatorSets,
          heightKey(changes.height() + 1),
          changes.nextSet().toProto().toByteArray());
    }
  }

  private void writeHistory(WriteBatch batch, List<AddressHistory.Entry> entries)
      throws RocksDBException {
    for (AddressHistory.Entry e : entries) {
      batch.put(addressHistory, e.key(), e.value());
    }
  }

  /** Blocks indexed per write while a store from before the address history is indexed. */
  private static final int HISTORY_BATCH_BLOCKS = 1_000;

  /**
   * Indexes the address history of every stored block, once, in a store written before it was kept
   * (no marker): the entries are idempotent puts, so a crash midway only makes the next open start
   * again. Runs at open, before any block is written.
   */
  private void indexHistoryIfMissing() throws StorageException {
    Tip t = tip;
    if (t == null || get(meta, HISTORY_KEY, "the address history marker") != null) {
      return;
    }
    LOG.info(
        "indexing the address history of "
            + (t.height() + 1)
            + " stored blocks (once, for ListAddressTransactions)");
    long started = System.nanoTime();
    // the blocks of recent spends: most inputs spend young outputs
    Map<Long, Block> recent =
        new java.util.LinkedHashMap<>(64, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Long, Block> eldest) {
            return size() > 64;
          }
        };
    AddressHistory.SpentOutputs spentOutputs =
        o -> {
          Optional<Place> place = placeOf(o.getTxid());
          if (place.isEmpty()) {
            return null;
          }
          Block b = recent.get(place.get().height());
          if (b == null) {
            b = blockAt(place.get().height()).orElse(null);
            if (b == null) {
              return null;
            }
            recent.put(place.get().height(), b);
          }
          Transaction tx = b.getBody().getTransactions(place.get().index());
          return o.getIndex() < tx.getOutputsCount() ? tx.getOutputs(o.getIndex()) : null;
        };
    try {
      WriteBatch batch = new WriteBatch();
      try {
        for (long h = 0; h <= t.height(); h++) {
          Block block =
              blockAt(h)
                  .orElseThrow(
                      () -> new StorageException("no block stored at a height below the tip"));
          writeHistory(
              batch,
              AddressHistory.of(block, List.of(), spentOutputs)); // ids computed from the block
          if ((h + 1) % HISTORY_BATCH_BLOCKS == 0) {
            db.write(unsyncedWrites, batch);
            batch.close();
            batch = new WriteBatch();
            long done = h + 1;
            LOG.info(
                () -> "address history: " + done + " of " + (t.height() + 1) + " blocks indexed");
          }
        }
        batch.put(meta, HISTORY_KEY, new byte[0]);
        db.write(syncWrites, batch);
      } finally {
        batch.close();
      }
    } catch (RocksDBException e) {
      throw new StorageException("cannot write the address history: " + e.getMessage(), e);
    } catch (MalformedException e) {
      throw corrupt("a stored transaction has no canonical bytes: " + e.getMessage(), e);
    }
    LOG.info(
        "address history indexed: "
            + (t.height() + 1)
            + " blocks in "
            + (System.nanoTime() - started) / 1_000_000
            + " ms");
  }

  /** One transaction of an address. */
  public record AddressTransaction(
      ByteString txid, long height, int index, long timestampMs, long received, long sent) {}

  /**
   * A page of an address's transactions, newest first, at one finalized height, and whether more
   * follow.
   */
  public record HistoryPage(long height, List<AddressTransaction> transactions, boolean more) {}

  /**
   * Up to {@code limit} transactions of {@code address}, newest first, older than the one at
   * ({@code beforeHeight}, {@code beforeIndex}) (beforeHeight -1: from the newest); one RocksDB
   * snapshot.
   */
  public HistoryPage historyOf(ByteString address, long beforeHeight, int beforeIndex, int limit)
      throws StorageException {
    byte[] prefix = address.toByteArray();
    List<AddressTransaction> out = new ArrayList<>();
    try (org.rocksdb.Snapshot snapshot = db.getSnapshot();
        org.rocksdb.ReadOptions read = new org.rocksdb.ReadOptions().setSnapshot(snapshot);
        RocksIterator it = db.newIterator(addressHistory, read)) {
      byte[] tipValue = db.get(meta, read, TIP_KEY);
      long height = tipValue == null ? -1 : ByteBuffer.wrap(tipValue).getLong();
      if (prefix.length != AddressHistory.ADDRESS_BYTES) {
        return new HistoryPage(height, out, false);
      }
      if (beforeHeight < 0) {
        it.seek(prefix);
      } else {
        byte[] start = AddressHistory.Entry.key(prefix, beforeHeight, beforeIndex);
        it.seek(start);
        if (it.isValid() && java.util.Arrays.equals(it.key(), start)) {
          it.next();
        }
      }
      boolean more = false;
      for (; it.isValid() && startsWith(it.key(), prefix); it.next()) {
        if (out.size() == limit) {
          more = true;
          break;
        }
        if (it.key().length != AddressHistory.KEY_BYTES
            || it.value().length != AddressHistory.VALUE_BYTES) {
          throw corrupt(
              "an address history entry of "
                  + it.key().length
                  + " + "
                  + it.value().length
                  + " bytes",
              null);
        }
        AddressHistory.Entry e = AddressHistory.Entry.parse(it.key(), it.value());
        out.add(
            new AddressTransaction(
                e.txid(), e.height(), e.index(), e.timestampMs(), e.received(), e.sent()));
      }
      return new HistoryPage(height, out, more);
    } catch (RocksDBException e) {
      throw new StorageException("cannot read the history of an address: " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- the ledger state (LedgerStore)

  @Override
  public TxOutput unspent(OutPoint outpoint) {
    ByteString key = recentKey(outpoint);
    TxOutput recent = recentOutputs.get(key);
    if (recent != null) {
      return recent;
    }
    byte[] value = getUnchecked(utxos, key.toByteArray(), "an unspent output");
    if (value == null) {
      return null;
    }
    if (value.length != 36) {
      throw new java.io.UncheckedIOException(
          corrupt("an unspent output of " + value.length + " bytes", null));
    }
    ByteBuffer b = ByteBuffer.wrap(value);
    long amount = b.getLong();
    b.getLong(); // the height
    return TxOutput.newBuilder()
        .setAmount(amount)
        .setAddress(ByteString.copyFrom(value, 16, 20))
        .build();
  }

  @Override
  public boolean created(OutPoint outpoint) {
    byte[] key = outpointKey(outpoint);
    return getUnchecked(utxos, key, "an unspent output") != null
        || getUnchecked(spent, key, "a spent output") != null;
  }

  @Override
  public List<MasternodeRecord> masternodes() {
    List<MasternodeRecord> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(masternodes)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        try {
          out.add(MasternodeRecord.fromBytes(it.value()));
        } catch (InvalidProtocolBufferException e) {
          throw new java.io.UncheckedIOException(
              corrupt("a masternode record does not parse: " + e.getMessage(), e));
        }
      }
    }
    return out;
  }

  @Override
  public ValidatorSet validatorSetAt(long height) {
    Tip t = tip;
    if (t == null || height < 1 || height > t.height() + 1) {
      return null;
    }
    try (RocksIterator it = db.newIterator(validatorSets)) {
      it.seekForPrev(heightKey(height));
      if (!it.isValid()) {
        throw new java.io.UncheckedIOException(
            corrupt("no validator set at or below height " + height, null));
      }
      try {
        return ValidatorSet.fromProto(io.timecoin.proto.v1.ValidatorSet.parseFrom(it.value()))
            .atHeight(height);
      } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
        throw new java.io.UncheckedIOException(
            corrupt("the validator set stored for height " + height + ": " + e.getMessage(), e));
      }
    }
  }

  // ---------------------------------------------------------------- queries of the client API

  /**
   * The validator set changes at heights c > {@code fromHeight} (unsigned), oldest first, at most
   * {@code limit}, with the finalized height they were read at (one RocksDB snapshot, so no change
   * up to that height + 1 is missing). Each: the header and certificate of block c-1 (no
   * certificate for c = 1) and set(c) (docs/protocol.md 7, 8). The {@code validator_sets} family is
   * the index: it holds an entry exactly at the heights whose set differs from the one before (and
   * at 1), so this reads the changes only, never the chain between them.
   */
  public SetChanges validatorSetChanges(long fromHeight, int limit) throws StorageException {
    List<io.timecoin.proto.v1.ValidatorSetChange> out = new ArrayList<>();
    long bytes = 0;
    try (org.rocksdb.Snapshot snapshot = db.getSnapshot();
        org.rocksdb.ReadOptions read = new org.rocksdb.ReadOptions().setSnapshot(snapshot);
        RocksIterator it = db.newIterator(validatorSets, read)) {
      byte[] tipValue = db.get(meta, read, TIP_KEY);
      long tipHeight = tipValue == null ? -1 : ByteBuffer.wrap(tipValue).getLong();
      // fromHeight of 2^63 - 1 or more (unsigned) leaves no height above it that a chain reaches
      if (tipValue == null || fromHeight < 0 || fromHeight == Long.MAX_VALUE) {
        return new SetChanges(tipHeight, out);
      }
      // a byte bound too: a change holds a whole set and certificate (up to ~15 KB at 100
      // validators)
      for (it.seek(heightKey(fromHeight + 1));
          it.isValid() && out.size() < limit && bytes < MAX_SET_CHANGES_BYTES;
          it.next()) {
        long c = ByteBuffer.wrap(it.key()).getLong();
        if (c > tipHeight + 1) {
          break; // not reachable: the set of tip + 1 is the newest written
        }
        io.timecoin.proto.v1.ValidatorSetChange.Builder change =
            io.timecoin.proto.v1.ValidatorSetChange.newBuilder()
                .setHeight(c)
                .setValidatorSet(
                    io.timecoin.proto.v1.ValidatorSet.parseFrom(it.value()).toBuilder()
                        .setHeight(c));
        byte[] block = db.get(blocks, read, heightKey(c - 1));
        if (block == null) {
          throw corrupt("a validator set change at height " + c + " but no block " + (c - 1), null);
        }
        change.setHeader(headerOf(block));
        if (c > 1) {
          byte[] cert = db.get(certificates, read, heightKey(c - 1));
          if (cert == null) {
            throw corrupt(
                "a validator set change at height " + c + " but no certificate of block " + (c - 1),
                null);
          }
          change.setCertificate(FinalityCertificate.parseFrom(cert));
        }
        io.timecoin.proto.v1.ValidatorSetChange built = change.build();
        bytes += built.getSerializedSize();
        out.add(built);
      }
      return new SetChanges(tipHeight, out);
    } catch (InvalidProtocolBufferException e) {
      throw corrupt("a validator set change does not parse: " + e.getMessage(), e);
    } catch (RocksDBException e) {
      throw new StorageException("cannot read the validator set changes: " + e.getMessage(), e);
    }
  }

  /**
   * The header of a stored block, read without parsing its body (a block is up to max_block_bytes).
   */
  private static io.timecoin.proto.v1.BlockHeader headerOf(byte[] block)
      throws InvalidProtocolBufferException {
    try {
      com.google.protobuf.CodedInputStream in =
          com.google.protobuf.CodedInputStream.newInstance(block);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == HEADER_TAG) {
          return io.timecoin.proto.v1.BlockHeader.parseFrom(in.readBytes());
        }
        in.skipField(tag);
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (java.io.IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
    throw new InvalidProtocolBufferException("a stored block without a header");
  }

  /** Block.header: field 1, length-delimited. */
  private static final int HEADER_TAG =
      Block.HEADER_FIELD_NUMBER << 3 | com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED;

  /**
   * An answer of GetValidatorSetChanges stops once it holds this much (it may pass it by one
   * change).
   */
  static final long MAX_SET_CHANGES_BYTES = 1 << 20;

  /** Validator set changes, oldest first, read at one finalized height. */
  public record SetChanges(
      long finalizedHeight, List<io.timecoin.proto.v1.ValidatorSetChange> changes) {}

  /** Where a finalized transaction is: its block's height and its position there. */
  public record Place(long height, int index) {}

  /** One unspent output of an address, with the height of the block that created it. */
  public record Unspent(OutPoint outpoint, long amount, long height) {}

  /** A page of an address's unspent outputs at one finalized height, and whether more follow. */
  public record UnspentPage(long height, List<Unspent> outputs, boolean more) {}

  /** The place of a finalized transaction, if any. */
  public Optional<Place> placeOf(ByteString txid) throws StorageException {
    byte[] v = get(transactions, txid.toByteArray(), "the place of a transaction");
    if (v == null) {
      return Optional.empty();
    }
    if (v.length != 12) {
      throw corrupt("the place of a transaction is " + v.length + " bytes, not 12", null);
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    return Optional.of(new Place(b.getLong(), b.getInt()));
  }

  /**
   * How block {@code height}'s reward was made and paid; empty for block 0 and heights not stored.
   */
  public Optional<io.timecoin.proto.v1.RewardBreakdown> rewardAt(long height)
      throws StorageException {
    byte[] v = height < 1 ? null : get(rewards, heightKey(height), "the reward of block " + height);
    try {
      return v == null
          ? Optional.empty()
          : Optional.of(io.timecoin.proto.v1.RewardBreakdown.parseFrom(v));
    } catch (InvalidProtocolBufferException e) {
      throw corrupt("the reward of block " + height + " does not parse", e);
    }
  }

  /**
   * Up to {@code limit} unspent outputs of {@code address} after the outpoint {@code after} (null:
   * from the first), ordered by outpoint, all read at one finalized height (a RocksDB snapshot).
   */
  public UnspentPage unspentOf(ByteString address, OutPoint after, int limit)
      throws StorageException {
    List<Unspent> out = new ArrayList<>();
    boolean[] more = {false};
    long height =
        scanAddress(
            address,
            after,
            u -> {
              if (out.size() == limit) {
                more[0] = true;
                return false;
              }
              out.add(u);
              return true;
            });
    return new UnspentPage(height, out, more[0]);
  }

  /** An address's finalized balance: the sum and count of its unspent outputs at one height. */
  public record Balance(long height, long amount, int outputs) {}

  public Balance balanceOf(ByteString address) throws StorageException {
    long[] sum = new long[2];
    long height =
        scanAddress(
            address,
            null,
            u -> {
              sum[0] += u.amount(); // the supply fits in 64 bits, so one address's part does
              sum[1]++;
              return true;
            });
    return new Balance(height, sum[0], (int) sum[1]);
  }

  /**
   * Visits the unspent outputs of {@code address} after the outpoint {@code after} (null: from the
   * first), in outpoint order, until {@code visit} says stop; all read at one finalized height (a
   * RocksDB snapshot), which it returns.
   */
  private long scanAddress(
      ByteString address, OutPoint after, java.util.function.Predicate<Unspent> visit)
      throws StorageException {
    byte[] prefix = address.toByteArray();
    try (org.rocksdb.Snapshot snapshot = db.getSnapshot();
        org.rocksdb.ReadOptions read = new org.rocksdb.ReadOptions().setSnapshot(snapshot);
        RocksIterator it = db.newIterator(addresses, read)) {
      byte[] tipValue = db.get(meta, read, TIP_KEY);
      if (after == null) {
        it.seek(prefix);
      } else {
        byte[] start = concat(prefix, outpointKey(after));
        it.seek(start);
        if (it.isValid() && java.util.Arrays.equals(it.key(), start)) {
          it.next();
        }
      }
      for (; it.isValid() && startsWith(it.key(), prefix); it.next()) {
        ByteBuffer k = ByteBuffer.wrap(it.key(), prefix.length, 36);
        byte[] txid = new byte[32];
        k.get(txid);
        OutPoint o =
            OutPoint.newBuilder().setTxid(ByteString.copyFrom(txid)).setIndex(k.getInt()).build();
        ByteBuffer v = ByteBuffer.wrap(it.value());
        if (!visit.test(new Unspent(o, v.getLong(), v.getLong()))) {
          break;
        }
      }
      return tipValue == null ? -1 : ByteBuffer.wrap(tipValue).getLong();
    } catch (RocksDBException e) {
      throw new StorageException("cannot read the outputs of an address: " + e.getMessage(), e);
    }
  }

  /**
   * The registration of every masternode as the block of {@code height} left it (registered or not,
   * collateral, reward address, registration height), by consensus key; the uptime fields are those
   * of the moment each registration last changed.
   */
  public List<MasternodeRecord> registrationsAfter(long height) throws StorageException {
    java.util.TreeMap<ByteString, MasternodeRecord> byKey =
        new java.util.TreeMap<>(ByteString.unsignedLexicographicalComparator());
    try (RocksIterator it = db.newIterator(masternodeHistory)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (ByteBuffer.wrap(it.key()).getLong() > height) {
          break;
        }
        MasternodeRecord m = MasternodeRecord.fromBytes(it.value());
        byKey.put(m.consensusKey(), m);
      }
    } catch (InvalidProtocolBufferException e) {
      throw corrupt("a masternode history record does not parse", e);
    }
    return new ArrayList<>(byKey.values());
  }

  /**
   * The registration of one masternode as the block of {@code height} left it (its last history
   * record at or below that height), or null if it was never registered by then. Reads only the
   * records' keys of the others.
   */
  public MasternodeRecord registrationAfter(ByteString consensusKey, long height)
      throws StorageException {
    byte[] key = consensusKey.toByteArray();
    byte[] found = null;
    try (RocksIterator it = db.newIterator(masternodeHistory)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (ByteBuffer.wrap(k).getLong() > height) {
          break;
        }
        if (java.util.Arrays.equals(k, Long.BYTES, k.length, key, 0, key.length)) {
          found = it.value();
        }
      }
    }
    try {
      return found == null ? null : MasternodeRecord.fromBytes(found);
    } catch (InvalidProtocolBufferException e) {
      throw corrupt("a masternode history record does not parse", e);
    }
  }

  /**
   * The most evidence records kept for one validator: the first ones (one proves the fault; more
   * only fill the disk).
   */
  public static final int EVIDENCE_PER_VALIDATOR = 64;

  /** The most evidence records kept in all. */
  public static final int EVIDENCE_TOTAL = 16_384;

  /** What {@link #putEvidence} did with a record. */
  public enum EvidenceOutcome {
    /** Stored (and durable with the next synced write, a finalized block). */
    STORED,
    /** A record of the same validator, height, round and kind is stored already. */
    DUPLICATE,
    /** The validator has {@link #EVIDENCE_PER_VALIDATOR} records already: this one is not kept. */
    VALIDATOR_FULL
  }

  /**
   * Stores equivocation evidence: one record per (validator, height, round, kind), the first {@link
   * #EVIDENCE_PER_VALIDATOR} of each validator, {@link #EVIDENCE_TOTAL} in all. When the total is
   * reached, the oldest record of the validator with the most records goes: so one equivocator,
   * however many times it equivocates, cannot push out the evidence of another.
   */
  public synchronized EvidenceOutcome putEvidence(io.timecoin.proto.v1.EquivocationEvidence e)
      throws StorageException {
    ByteString key = evidenceKey(e);
    java.util.TreeSet<ByteString> own = evidenceKeys.get(e.getValidator());
    if (own != null && own.contains(key)) {
      return EvidenceOutcome.DUPLICATE;
    }
    if (own != null && own.size() >= EVIDENCE_PER_VALIDATOR) {
      return EvidenceOutcome.VALIDATOR_FULL;
    }
    try (WriteBatch batch = new WriteBatch()) {
      ByteString evicted = null;
      ByteString evictedOwner = null;
      if (evidenceCount >= EVIDENCE_TOTAL) {
        for (Map.Entry<ByteString, java.util.TreeSet<ByteString>> v : evidenceKeys.entrySet()) {
          if (evictedOwner == null || v.getValue().size() > evidenceKeys.get(evictedOwner).size()) {
            evictedOwner = v.getKey();
          }
        }
        evicted = evidenceKeys.get(evictedOwner).first();
        batch.delete(evidence, evicted.toByteArray());
      }
      batch.put(evidence, key.toByteArray(), e.toByteArray());
      // not synced by itself: the next finalized block's synced write makes it durable with it
      db.write(unsyncedWrites, batch);
      if (evicted != null) {
        java.util.TreeSet<ByteString> keys = evidenceKeys.get(evictedOwner);
        keys.remove(evicted);
        if (keys.isEmpty()) {
          evidenceKeys.remove(evictedOwner);
        }
        evidenceCount--;
      }
    } catch (RocksDBException ex) {
      throw new StorageException("cannot write equivocation evidence: " + ex.getMessage(), ex);
    }
    evidenceKeys
        .computeIfAbsent(
            e.getValidator(),
            v -> new java.util.TreeSet<>(ByteString.unsignedLexicographicalComparator()))
        .add(key);
    evidenceCount++;
    return EvidenceOutcome.STORED;
  }

  /**
   * Up to {@code limit} evidence records from height {@code fromHeight} on (unsigned), after
   * skipping {@code skip} of them; by height, then round.
   */
  public List<io.timecoin.proto.v1.EquivocationEvidence> evidence(
      long fromHeight, int skip, int limit) throws StorageException {
    List<io.timecoin.proto.v1.EquivocationEvidence> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(evidence)) {
      int skipped = 0;
      for (it.seek(heightKey(fromHeight)); it.isValid() && out.size() < limit; it.next()) {
        if (skipped < skip) {
          skipped++;
          continue;
        }
        out.add(io.timecoin.proto.v1.EquivocationEvidence.parseFrom(it.value()));
      }
    } catch (InvalidProtocolBufferException e) {
      throw corrupt("an evidence record does not parse", e);
    }
    return out;
  }

  /** Evidence records stored. */
  public synchronized int evidenceCount() {
    return evidenceCount;
  }

  private void loadEvidenceKeys() throws StorageException {
    try (RocksIterator it = db.newIterator(evidence)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        if (key.length <= EVIDENCE_KEY_PREFIX) {
          throw corrupt("an evidence key is " + key.length + " bytes", null);
        }
        ByteString validator =
            ByteString.copyFrom(key, EVIDENCE_KEY_PREFIX, key.length - EVIDENCE_KEY_PREFIX);
        evidenceKeys
            .computeIfAbsent(
                validator,
                v -> new java.util.TreeSet<>(ByteString.unsignedLexicographicalComparator()))
            .add(ByteString.copyFrom(key));
        evidenceCount++;
      }
    }
  }

  private static final int EVIDENCE_KEY_PREFIX = Long.BYTES + Integer.BYTES + 1;

  /**
   * height ‖ round ‖ kind (0 proposals, 1 + the vote type for votes) ‖ validator: sorted by height.
   */
  private static ByteString evidenceKey(io.timecoin.proto.v1.EquivocationEvidence e) {
    int kind = e.hasVotes() ? 1 + e.getVotes().getFirst().getTypeValue() : 0;
    byte[] validator = e.getValidator().toByteArray();
    return com.google.protobuf.UnsafeByteOperations.unsafeWrap(
        ByteBuffer.allocate(EVIDENCE_KEY_PREFIX + validator.length)
            .putLong(e.getHeight())
            .putInt(e.getRound())
            .put((byte) kind)
            .put(validator)
            .array());
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && java.util.Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  /**
   * Reads for the ledger, which runs on the consensus thread and treats a storage failure as fatal.
   */
  private byte[] getUnchecked(ColumnFamilyHandle family, byte[] key, String what) {
    try {
      return get(family, key, what);
    } catch (StorageException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * An outpoint's key as the recent outputs know it (the bytes are fresh, so they are wrapped, not
   * copied).
   */
  private static ByteString recentKey(OutPoint o) {
    return com.google.protobuf.UnsafeByteOperations.unsafeWrap(outpointKey(o));
  }

  /**
   * txid (32 bytes) then index (u32, big-endian). Callers check lengths before asking
   * (TransactionRules.form); a txid of another length here is a bug, refused by name rather than as
   * a buffer overflow.
   */
  private static byte[] outpointKey(OutPoint o) {
    if (o.getTxid().size() != 32) {
      throw new IllegalArgumentException(
          "an outpoint's txid is 32 bytes, not " + o.getTxid().size());
    }
    return ByteBuffer.allocate(36).put(o.getTxid().toByteArray()).putInt(o.getIndex()).array();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    return ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
  }

  /** Closes the database and every native handle. Call once readers and writers are done. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      db.flushWal(
          true); // the unsynced tail of the log, if any: blocks caught up just before stopping
    } catch (RocksDBException e) {
      LOG.warning("cannot write out the write-ahead log on close: " + e.getMessage());
    }
    // RocksDB wants column family handles closed before the database, and options after it
    handles.forEach(ColumnFamilyHandle::close);
    db.close();
    syncWrites.close();
    unsyncedWrites.close();
    columnFamilyOptions.close();
    dbOptions.close();
    writeBuffers.close();
    cache.close();
  }

  private Tip readTip() throws StorageException {
    byte[] value = get(meta, TIP_KEY, "the tip height");
    if (value == null) {
      return null;
    }
    if (value.length != Long.BYTES) {
      throw corrupt("the tip height is " + value.length + " bytes, not 8", null);
    }
    long height = ByteBuffer.wrap(value).getLong();
    Block block =
        blockAt(height)
            .orElseThrow(
                () ->
                    corrupt("the tip is height " + height + " but no block is stored there", null));
    try (RocksIterator it = db.newIterator(validatorSets)) {
      it.seekToFirst();
      if (!it.isValid()) {
        throw new StorageException(
            "the chain in "
                + dir
                + " was written by a timed without the ledger (no validator"
                + " sets are stored); remove the directory and start again to resync");
      }
    }
    return new Tip(height, hashOf(block));
  }

  private byte[] get(ColumnFamilyHandle family, byte[] key, String what) throws StorageException {
    try {
      return db.get(family, key); // RocksDB checks its block checksums on read
    } catch (RocksDBException e) {
      throw new StorageException("cannot read " + what + " in " + dir + ": " + e.getMessage(), e);
    }
  }

  private StorageException corrupt(String what, Throwable cause) {
    return new StorageException("corrupt chain store in " + dir + ": " + what, cause);
  }

  /** The block hash; a header that has no canonical bytes (wrong-size fields) is refused. */
  private static ByteString hashOf(Block block) throws StorageException {
    try {
      return Hashes.block(block.getHeader());
    } catch (MalformedException e) {
      throw new StorageException(
          "block " + block.getHeader().getHeight() + " has a malformed header: " + e.getMessage(),
          e);
    }
  }

  private static byte[] heightKey(long height) {
    return ByteBuffer.allocate(Long.BYTES)
        .putLong(height)
        .array(); // big-endian: keys sort by height
  }

  private static byte[] bytes(String name) {
    return name.getBytes(StandardCharsets.US_ASCII);
  }

  private static String hex(ByteString bytes) {
    return HEX.formatHex(bytes.toByteArray());
  }
}

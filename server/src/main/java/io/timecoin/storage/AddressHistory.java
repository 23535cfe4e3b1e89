package io.timecoin.storage;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The entries of the {@code address_history} column family: for each transaction of a block and
 * each address it pays to or spends from, one entry.
 *
 * <p>Key: address (20 bytes) ‖ ~height (u64) ‖ ~index (u32), big-endian and bitwise inverted, so a
 * prefix scan of an address reads its newest transaction first (the last of the newest block).
 * Value: txid (32) ‖ timestamp_ms (u64) ‖ received (u64) ‖ sent (u64). Every transaction counts,
 * the block's GENESIS and REWARD too: their outputs are received like any other.
 */
final class AddressHistory {
  private AddressHistory() {}

  static final int ADDRESS_BYTES = 20;
  static final int KEY_BYTES = ADDRESS_BYTES + Long.BYTES + Integer.BYTES;
  static final int VALUE_BYTES = 32 + 3 * Long.BYTES;

  /** What spent an input's output was (its amount and address): the output of the outpoint. */
  @FunctionalInterface
  interface SpentOutputs {
    TxOutput of(OutPoint outpoint) throws StorageException;
  }

  /** One entry: a transaction of {@code address}. */
  record Entry(
      ByteString address,
      long height,
      int index,
      ByteString txid,
      long timestampMs,
      long received,
      long sent) {
    byte[] key() {
      return key(address.toByteArray(), height, index);
    }

    byte[] value() {
      return ByteBuffer.allocate(VALUE_BYTES)
          .put(txid.toByteArray())
          .putLong(timestampMs)
          .putLong(received)
          .putLong(sent)
          .array();
    }

    static byte[] key(byte[] address, long height, int index) {
      return ByteBuffer.allocate(KEY_BYTES).put(address).putLong(~height).putInt(~index).array();
    }

    static Entry parse(byte[] key, byte[] value) {
      ByteBuffer k = ByteBuffer.wrap(key, ADDRESS_BYTES, Long.BYTES + Integer.BYTES);
      ByteBuffer v = ByteBuffer.wrap(value);
      byte[] txid = new byte[32];
      v.get(txid);
      return new Entry(
          ByteString.copyFrom(key, 0, ADDRESS_BYTES),
          ~k.getLong(),
          ~k.getInt(),
          ByteString.copyFrom(txid),
          v.getLong(),
          v.getLong(),
          v.getLong());
    }
  }

  /**
   * The entries of {@code block}, whose transactions have the ids {@code txids} (in block order, as
   * the block's execution gives them; an id is computed from the transaction when they do not
   * match); {@code spent} tells the output each input spent.
   */
  static List<Entry> of(Block block, List<ByteString> txids, SpentOutputs spent)
      throws StorageException {
    List<Transaction> txs = block.getBody().getTransactionsList();
    boolean given = txids.size() == txs.size();
    long height = block.getHeader().getHeight();
    long timestamp = block.getHeader().getTimestampMs();
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < txs.size(); i++) {
      Map<ByteString, long[]> sums = new LinkedHashMap<>(); // address -> {received, sent}
      for (TxOutput o : txs.get(i).getOutputsList()) {
        sums.computeIfAbsent(o.getAddress(), a -> new long[2])[0] += o.getAmount();
      }
      for (TxInput in : txs.get(i).getInputsList()) {
        TxOutput o = spent.of(in.getOutpoint());
        if (o == null) {
          throw new StorageException(
              "block " + height + " transaction " + i + " spends an output that is not stored");
        }
        sums.computeIfAbsent(o.getAddress(), a -> new long[2])[1] += o.getAmount();
      }
      ByteString txid = null;
      for (Map.Entry<ByteString, long[]> s : sums.entrySet()) {
        if (s.getKey().size()
            == ADDRESS_BYTES) { // the rules allow no other; a wrong size would break the key's
          // layout
          if (txid == null) {
            txid = given ? txids.get(i) : io.timecoin.canonical.Hashes.transaction(txs.get(i));
          }
          out.add(
              new Entry(s.getKey(), height, i, txid, timestamp, s.getValue()[0], s.getValue()[1]));
        }
      }
    }
    return out;
  }
}

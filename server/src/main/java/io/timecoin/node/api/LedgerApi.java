package io.timecoin.node.api;

import static io.timecoin.node.api.Calls.invalid;
import static io.timecoin.node.api.Calls.notFound;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.Address;
import io.timecoin.proto.v1.AddressTransaction;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.GetBalanceRequest;
import io.timecoin.proto.v1.GetBalanceResponse;
import io.timecoin.proto.v1.GetTransactionRequest;
import io.timecoin.proto.v1.GetTransactionResponse;
import io.timecoin.proto.v1.ListAddressTransactionsRequest;
import io.timecoin.proto.v1.ListAddressTransactionsResponse;
import io.timecoin.proto.v1.ListUnspentRequest;
import io.timecoin.proto.v1.ListUnspentResponse;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionStatus;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.UnspentOutput;
import io.timecoin.storage.ChainStore;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The ledger's part of the client API: transactions, balances, unspent outputs, address histories.
 */
public final class LedgerApi {
  /**
   * The most transactions a ListAddressTransactions page holds, whatever page_size asks; 0 asks for
   * 50.
   */
  static final int MAX_HISTORY_PAGE = 500;

  private final LedgerReads chain;
  private final TransactionIntake pending;
  private final String chainId;

  public LedgerApi(LedgerReads chain, TransactionIntake pending, String chainId) {
    this.chain = chain;
    this.pending = pending;
    this.chainId = chainId;
  }

  GetTransactionResponse transaction(GetTransactionRequest request) throws IOException {
    if (request.getTxid().size() != 32) {
      throw invalid("txid must be 32 bytes");
    }
    Optional<ChainStore.Place> place = chain.placeOf(request.getTxid());
    if (place.isPresent()) {
      Block block = chain.blockAt(place.get().height()).orElseThrow();
      return GetTransactionResponse.newBuilder()
          .setTransaction(block.getBody().getTransactions(place.get().index()))
          .setStatus(TransactionStatus.TRANSACTION_STATUS_FINALIZED)
          .setBlockHeight(place.get().height())
          .setIndex(place.get().index())
          .build();
    }
    Optional<Transaction> held = pending.pending(request.getTxid());
    if (held.isEmpty()) {
      throw notFound("no finalized or pending transaction with that id");
    }
    return GetTransactionResponse.newBuilder()
        .setTransaction(held.get())
        .setStatus(TransactionStatus.TRANSACTION_STATUS_PENDING)
        .build();
  }

  GetBalanceResponse balance(GetBalanceRequest request) throws IOException {
    ChainStore.Balance b = chain.balanceOf(address(request.getAddress()));
    return GetBalanceResponse.newBuilder()
        .setBalance(b.amount())
        .setUnspentCount(b.outputs())
        .setHeight(b.height())
        .build();
  }

  ListUnspentResponse unspent(ListUnspentRequest request) throws IOException {
    ByteString address = address(request.getAddress());
    int size = Calls.pageSize(request.getPageSize());
    OutPoint after = null;
    if (!request.getPageToken().isEmpty()) {
      byte[] token = hex(request.getPageToken());
      if (token.length != 36) {
        throw invalid("page_token is not one this node gave");
      }
      after =
          OutPoint.newBuilder()
              .setTxid(ByteString.copyFrom(token, 0, 32))
              .setIndex(java.nio.ByteBuffer.wrap(token, 32, 4).getInt())
              .build();
    }
    ChainStore.UnspentPage page = chain.unspentOf(address, after, size);
    ListUnspentResponse.Builder r = ListUnspentResponse.newBuilder().setHeight(page.height());
    for (ChainStore.Unspent u : page.outputs()) {
      r.addOutputs(
          UnspentOutput.newBuilder()
              .setOutpoint(u.outpoint())
              .setOutput(TxOutput.newBuilder().setAmount(u.amount()).setAddress(address))
              .setHeight(u.height()));
    }
    if (page.more()) {
      OutPoint last = page.outputs().get(page.outputs().size() - 1).outpoint();
      r.setNextPageToken(
          HexFormat.of().formatHex(last.getTxid().toByteArray())
              + String.format("%08x", last.getIndex()));
    }
    return r.build();
  }

  /**
   * The finalized transactions of an address, newest first, from the store's address history
   * (written with each block). The page token is the last transaction's height (u64) and position
   * (u32), hex.
   */
  ListAddressTransactionsResponse history(ListAddressTransactionsRequest request)
      throws IOException {
    ByteString address = address(request.getAddress());
    long size = Integer.toUnsignedLong(request.getPageSize());
    int limit = size == 0 ? 50 : (int) Math.min(size, MAX_HISTORY_PAGE);
    long beforeHeight = -1;
    int beforeIndex = 0;
    if (!request.getPageToken().isEmpty()) {
      byte[] token = hex(request.getPageToken());
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(token);
      if (token.length != 12 || (beforeHeight = b.getLong()) < 0) {
        throw invalid("page_token is not one this node gave");
      }
      beforeIndex = b.getInt();
    }
    ChainStore.HistoryPage page = chain.historyOf(address, beforeHeight, beforeIndex, limit);
    ListAddressTransactionsResponse.Builder r =
        ListAddressTransactionsResponse.newBuilder().setHeight(Math.max(0, page.height()));
    for (ChainStore.AddressTransaction t : page.transactions()) {
      r.addTransactions(
          AddressTransaction.newBuilder()
              .setTxid(t.txid())
              .setHeight(t.height())
              .setIndex(t.index())
              .setTimestamp(t.timestampMs())
              .setReceived(t.received())
              .setSent(t.sent()));
    }
    if (page.more()) {
      ChainStore.AddressTransaction last = page.transactions().get(page.transactions().size() - 1);
      r.setNextPageToken(
          HexFormat.of()
              .formatHex(
                  java.nio.ByteBuffer.allocate(12)
                      .putLong(last.height())
                      .putInt(last.index())
                      .array()));
    }
    return r.build();
  }

  /** The bytes of a page token; none (so refused by its length) when it is not hex. */
  private static byte[] hex(String token) {
    try {
      return HexFormat.of().parseHex(token);
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }

  /** The 20 address bytes of a bech32m address of this chain; else the refusal. */
  private ByteString address(String text) {
    try {
      return ByteString.copyFrom(Address.parse(text, chainId).bytes());
    } catch (IllegalArgumentException e) {
      throw invalid("address '" + text + "': " + e.getMessage());
    }
  }
}

package io.timecoin.node;

import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.NodeLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a validator may hold in its heap, buffer by buffer, from the genesis limits: every queue and
 * cache that peers or clients can fill is bounded in bytes (serialized sizes), and their sum plus a
 * baseline must fit the heap. {@link #check} refuses to start a node whose heap is too small,
 * rather than let a burst of large blocks end it with an OutOfMemoryError. {@link #lines} prints
 * the arithmetic (for RELIABILITY.md and the start-up check's message).
 *
 * @param maxBlockBytes the genesis {@code max_block_bytes}
 * @param maxTxBytes the genesis {@code max_tx_bytes}
 * @param maxMessageBytes the largest peer message the node accepts
 * @param mempoolBytes the mempool's byte limit
 * @param syncStreams the SyncBlocks streams the node serves at once
 * @param heldBlockBytes the blocks the consensus engine holds for the height it decides (proposals
 *     of its rounds and proposers); the engine is given this bound ({@code
 *     ConsensusConfig.maxHeldBlockBytes})
 * @param futureHeightBytes proposals and votes for the next heights, held by the engine until it
 *     gets there
 */
public record MemoryBudget(
    long maxBlockBytes,
    long maxTxBytes,
    long maxMessageBytes,
    long mempoolBytes,
    int syncStreams,
    long heldBlockBytes,
    long futureHeightBytes) {
  static final long MIB = 1L << 20;

  /**
   * The heap of a node with empty buffers: JVM, gRPC and Netty, the signature cache (65,536
   * entries), the ledger's recent outputs (about 8 MB), the engine's state of one height. RocksDB's
   * cache is native memory, outside the heap.
   */
  static final long BASELINE = 48 * MIB;

  /** The default of {@link #heldBlockBytes} ({@link NodeLimits#MAX_HELD_BLOCK_BYTES}). */
  public static final long HELD_BLOCK_BYTES = NodeLimits.MAX_HELD_BLOCK_BYTES.defaultValue();

  /** The budget of a node with the default engine limits. */
  public MemoryBudget(
      long maxBlockBytes,
      long maxTxBytes,
      long maxMessageBytes,
      long mempoolBytes,
      int syncStreams) {
    this(
        maxBlockBytes,
        maxTxBytes,
        maxMessageBytes,
        mempoolBytes,
        syncStreams,
        HELD_BLOCK_BYTES,
        NodeLimits.MAX_BUFFERED_BYTES.defaultValue());
  }

  /** The budget of a node with these genesis limits and these limits of its own (config.json). */
  public static MemoryBudget of(long maxBlockBytes, long maxTxBytes, NodeLimits l) {
    return new MemoryBudget(
        maxBlockBytes,
        maxTxBytes,
        l.get(NodeLimits.MAX_MESSAGE_BYTES),
        l.get(NodeLimits.MEMPOOL_MAX_BYTES),
        l.intValue(NodeLimits.SYNC_STREAMS),
        l.get(NodeLimits.MAX_HELD_BLOCK_BYTES),
        l.get(NodeLimits.MAX_BUFFERED_BYTES));
  }

  /** The budget of a node of this genesis and these limits of its own (config.json). */
  public static MemoryBudget of(Genesis genesis, NodeLimits limits) {
    return of(genesis.maxBlockBytes(), genesis.maxTxBytes(), limits);
  }

  /** Recent finalized blocks kept in memory for subscribers (older ones are read from storage). */
  public long feedCacheBytes() {
    return Math.max(16 * MIB, 2 * maxBlockBytes);
  }

  /**
   * Blocks handed to subscription streams and not yet written to their sockets: Netty's buffers,
   * direct memory outside the heap (the JVM bounds it by -Xmx too, by default), so not in the sum.
   */
  public long subscriberSendBytes() {
    return Math.max(32 * MIB, 2 * maxBlockBytes);
  }

  /** Synced blocks verified ahead of the consensus thread. */
  public long syncWindowBytes() {
    return Math.max(16 * MIB, 2 * maxMessageBytes);
  }

  /**
   * Peers' messages (proposals, votes) waiting for the consensus thread (synced blocks are in the
   * sync window).
   */
  public long consensusQueueBytes() {
    return Math.max(16 * MIB, 2 * maxMessageBytes);
  }

  /**
   * Transactions waiting for their signatures to be verified or for admission (peers' and
   * clients').
   */
  public long pendingTransactionBytes() {
    return Math.max(16 * MIB, 64 * maxTxBytes);
  }

  /**
   * Messages waiting in the peers' send queues, all peers together, each message counted once
   * however many queues hold it (one peer's queue is bounded too, at 16 MiB, but the sum is what
   * the heap holds).
   */
  public long peerSendBytes() {
    return Math.max(16 * MIB, 2 * maxMessageBytes);
  }

  /**
   * SyncBlocks streams served: each sends while flow control allows, so holds one response (a block
   * and its certificate, one message) at a time.
   */
  public long syncServeBytes() {
    return syncStreams * maxMessageBytes;
  }

  /** The block being built or executed (the engine's proposals are in {@link #heldBlockBytes}). */
  public long blocksInHandBytes() {
    return maxBlockBytes;
  }

  /** The least heap ({@code -Xmx}) that holds every budget at once. */
  public long requiredHeapBytes() {
    return BASELINE
        + feedCacheBytes()
        + syncWindowBytes()
        + consensusQueueBytes()
        + pendingTransactionBytes()
        + mempoolBytes
        + blocksInHandBytes()
        + peerSendBytes()
        + futureHeightBytes
        + heldBlockBytes
        + syncServeBytes();
  }

  /** The arithmetic, one line a term, and the sum. */
  public List<String> lines() {
    List<String> out = new ArrayList<>();
    out.add(line("baseline (JVM, gRPC, caches, one height's engine state)", BASELINE));
    out.add(line("finalized-feed cache: max(16 MiB, 2 x max_block_bytes)", feedCacheBytes()));
    out.add(line("sync window: max(16 MiB, 2 x max message)", syncWindowBytes()));
    out.add(line("consensus queue: max(16 MiB, 2 x max message)", consensusQueueBytes()));
    out.add(
        line("pending transactions: max(16 MiB, 64 x max_tx_bytes)", pendingTransactionBytes()));
    out.add(line("mempool", mempoolBytes));
    out.add(line("block being built or executed: max_block_bytes", blocksInHandBytes()));
    out.add(line("engine's blocks held for the height", heldBlockBytes));
    out.add(line("engine's future-height buffer", futureHeightBytes()));
    out.add(line("peer send queues, all peers: max(16 MiB, 2 x max message)", peerSendBytes()));
    out.add(line("SyncBlocks served: " + syncStreams + " streams x max message", syncServeBytes()));
    out.add(line("heap needed (-Xmx at least)", requiredHeapBytes()));
    out.add(
        line(
            "and outside the heap, subscription streams' unread blocks: max(32 MiB, 2 x max_block_bytes)",
            subscriberSendBytes()));
    return out;
  }

  /**
   * Refuses a heap smaller than {@link #requiredHeapBytes}: {@code maxHeapBytes} is {@code
   * Runtime.maxMemory()}, the JVM's {@code -Xmx}.
   */
  public void check(long maxHeapBytes) throws HeapTooSmallException {
    check(maxHeapBytes, 1);
  }

  /** As {@link #check(long)}, for {@code nodes} nodes sharing one JVM (timed devnet). */
  public void check(long maxHeapBytes, int nodes) throws HeapTooSmallException {
    long needed = requiredHeapBytes() * nodes;
    if (maxHeapBytes < needed) {
      throw new HeapTooSmallException(
          String.format(
              Locale.ROOT,
              "genesis max_block_bytes %d (max_tx_bytes %d, messages up to %d bytes) needs a heap of at least %d MiB%s;"
                  + " this JVM has %d MiB (-Xmx): start it with -Xmx%dm or more. The budget of a node: %s",
              maxBlockBytes,
              maxTxBytes,
              maxMessageBytes,
              mib(needed),
              nodes == 1 ? "" : " for " + nodes + " nodes",
              mib(maxHeapBytes),
              mib(needed),
              String.join("; ", lines())));
    }
  }

  /** The heap cannot hold the node's buffers. */
  public static final class HeapTooSmallException extends java.io.IOException {
    HeapTooSmallException(String message) {
      super(message);
    }
  }

  private static String line(String what, long bytes) {
    return what + ": " + mib(bytes) + " MiB";
  }

  /** Rounded up: a budget is never shown smaller than it is. */
  private static long mib(long bytes) {
    return (bytes + MIB - 1) / MIB;
  }
}

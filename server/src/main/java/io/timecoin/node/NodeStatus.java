package io.timecoin.node;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.FinalityCertificate;
import java.util.function.Consumer;

/**
 * What a node is at one moment, published by the consensus thread after each event (and each block
 * it stores): the client API, the gauges, health and the benchmark read this, never the engine from
 * another thread.
 *
 * @param finalizedHeight the newest stored block's height (kept after close)
 * @param finalizedBlock that block and its certificate (null certificate at height 0)
 * @param lastFinalizationLatencyNanos for that block: from the first proposal of its height seen
 *     here to stored; 0 until this node has stored one
 * @param round the consensus round of the height being decided
 * @param validator whether this node is a validator of the height being decided
 */
public record NodeStatus(
    long finalizedHeight,
    ByteString finalizedHash,
    Block finalizedBlock,
    FinalityCertificate finalizedCertificate,
    long lastFinalizationLatencyNanos,
    int round,
    boolean validator,
    long peerMessagesSent,
    long peerBytesSent) {

  /**
   * A listener that passes on only the first snapshot of each newly stored block (a listener of
   * {@link Node#onStatus} hears every event).
   */
  public static Consumer<NodeStatus> eachBlock(Consumer<NodeStatus> listener) {
    long[] last = {-1};
    return s -> { // on the one consensus thread: no race on last
      if (s.lastFinalizationLatencyNanos() > 0 && s.finalizedHeight() > last[0]) {
        last[0] = s.finalizedHeight();
        listener.accept(s);
      }
    };
  }
}

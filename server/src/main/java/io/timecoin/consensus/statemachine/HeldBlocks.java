package io.timecoin.consensus.statemachine;

import com.google.protobuf.ByteString;
import io.timecoin.consensus.types.BlockValidator;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.consensus.validation.BlockRules;
import io.timecoin.consensus.validation.Refusal;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.protocol.ValidatorSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The blocks of one height and the verdicts on them (docs/protocol.md 4.3, 5.4 step 9): the only
 * place where the engine holds block bodies (rounds keep their proposals without body), in the
 * order taken in, at most maxHeldBlockBytes in all (serialized). A new height gets a new one.
 *
 * <p>Blocks are kept by their hash: valid ones, and those refused for their header (which the hash
 * covers). A block refused for its body is never kept by its hash: its body may be a relayer's
 * forgery, and the genuine body for the same hash must still be judged on its own; the refusal is
 * remembered for those very bytes only.
 */
final class HeldBlocks {
  /** Conflicting proposals' blocks are judged only up to this many per height. */
  private static final int MAX_CONFLICTING_JUDGED = 64;

  /** Verdicts on refused bodies are remembered only up to this many per height (32-byte keys). */
  private static final int MAX_REFUSED_BODIES = 256;

  /**
   * A block seen at this height, the verdict on it, and for a valid one the set it leaves for the
   * next height.
   */
  record Judged(Block block, Refusal refusal, ValidatorSet nextSet) {
    boolean valid() {
      return refusal == null;
    }
  }

  private final ConsensusConfig config;
  private final ChainTip tip;
  private final ValidatorSet set;
  private final BlockValidator blockValidator;
  private final SignatureVerifier verifier;

  /** Whether a held block can still matter to the rules; any other may be let go for the budget. */
  private final Predicate<ByteString> stillMatters;

  private final LinkedHashMap<ByteString, Judged> byHash = new LinkedHashMap<>();
  private long bytes;

  /** Second proposals of a round whose blocks were judged at this height. */
  private int conflictingJudged;

  /**
   * Refusals of bodies, by SHA-256 of the whole block's bytes, so that a copy resent is not judged
   * twice.
   */
  private final Map<ByteString, Refusal> refusedBodies =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteString, Refusal> eldest) {
          return size() > MAX_REFUSED_BODIES;
        }
      };

  HeldBlocks(
      ConsensusConfig config,
      ChainTip tip,
      ValidatorSet set,
      BlockValidator blockValidator,
      SignatureVerifier verifier,
      Predicate<ByteString> stillMatters) {
    this.config = config;
    this.tip = tip;
    this.set = set;
    this.blockValidator = blockValidator;
    this.verifier = verifier;
    this.stillMatters = stillMatters;
  }

  /** The verdict held for this hash (a valid block, or one refused for its header), or null. */
  Judged get(ByteString hash) {
    return byHash.get(hash);
  }

  /** The valid block held for this hash, or null. */
  Judged valid(ByteString hash) {
    Judged j = byHash.get(hash);
    return j != null && j.valid() ? j : null;
  }

  boolean holds(ByteString hash) {
    return byHash.containsKey(hash);
  }

  /** Whether these very bytes were refused for their body. */
  boolean bodyRefused(Block block) {
    return refusedBodies.containsKey(bodyKey(block));
  }

  /** The serialized bytes held: at most maxHeldBlockBytes. */
  long bytes() {
    return bytes;
  }

  /**
   * The verdict on a block of this height whose header hashes to {@code hash}. Once a block is
   * found valid, it is the block of that hash: any other body for it is the same block to
   * consensus, and is not looked at. A header refusal stands for the hash; a body refusal only for
   * that very body. A valid block is held within the byte budget, making room by letting go of
   * blocks that no longer matter; when there is no room it is refused (HEIGHT_OUT_OF_RANGE, not the
   * sender's fault, and not remembered), unless {@code mustHold} (a certified block, or one a
   * quorum precommitted: it is about to be finalized).
   */
  Judged judge(Block block, ByteString hash, boolean mustHold) {
    Judged known = byHash.get(hash);
    if (known != null) {
      return known;
    }
    Refusal header =
        BlockRules.checkHeader(
            block.getHeader(), tip, set, config.chainId(), config.blockIntervalMs());
    if (header != null) {
      Judged judged =
          new Judged(Block.newBuilder().setHeader(block.getHeader()).build(), header, null);
      int size = judged.block().getSerializedSize();
      letGoUntilRoomFor(size);
      if (bytes + size
          <= config.maxHeldBlockBytes()) { // else judged again if it comes again: cheap
        hold(hash, judged);
      }
      return judged;
    }
    ByteString bodyKey = bodyKey(block);
    Refusal refusal = refusedBodies.get(bodyKey);
    if (refusal != null) {
      return new Judged(block, refusal, null);
    }
    int size = block.getSerializedSize();
    if (!mustHold && bytes - evictableBytes() + size > config.maxHeldBlockBytes()) {
      return new Judged(
          block,
          new Refusal(
              ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE,
              "the blocks held for height "
                  + (tip.height() + 1)
                  + " weigh "
                  + bytes
                  + " bytes, with "
                  + size
                  + " more over the limit of "
                  + config.maxHeldBlockBytes()),
          null);
    }
    refusal = BlockRules.checkBody(block, tip, config.chainId(), verifier);
    if (refusal == null) {
      BlockValidator.Verdict verdict = blockValidator.validate(block);
      if (verdict.isValid()) {
        letGoUntilRoomFor(size);
        Judged judged = new Judged(block, null, verdict.nextSet());
        hold(hash, judged);
        return judged;
      }
      refusal = new Refusal(verdict.reason(), verdict.detail());
    }
    refusedBodies.put(bodyKey, refusal);
    return new Judged(block, refusal, null);
  }

  /**
   * The verdict on the block of a proposer's second proposal of a round, which may still gather a
   * quorum; null once MAX_CONFLICTING_JUDGED were judged at this height (an equivocator could send
   * any number).
   */
  Judged judgeConflicting(Block block, ByteString hash, boolean mustHold) {
    if (conflictingJudged >= MAX_CONFLICTING_JUDGED) {
      return null;
    }
    conflictingJudged++;
    return judge(block, hash, mustHold);
  }

  private void hold(ByteString hash, Judged judged) {
    byHash.put(hash, judged);
    bytes += judged.block().getSerializedSize();
  }

  private long evictableBytes() {
    long evictable = 0;
    for (Map.Entry<ByteString, Judged> e : byHash.entrySet()) {
      if (!stillMatters.test(e.getKey())) {
        evictable += e.getValue().block().getSerializedSize();
      }
    }
    return evictable;
  }

  /**
   * Lets go of blocks that no longer matter, the earliest taken first, until {@code size} more
   * bytes fit.
   */
  private void letGoUntilRoomFor(int size) {
    var it = byHash.entrySet().iterator();
    while (bytes + size > config.maxHeldBlockBytes() && it.hasNext()) {
      Map.Entry<ByteString, Judged> e = it.next();
      if (!stillMatters.test(e.getKey())) {
        bytes -= e.getValue().block().getSerializedSize();
        it.remove();
      }
    }
  }

  private static ByteString bodyKey(Block block) {
    return ByteString.copyFrom(Sha256.hash(block.toByteArray()));
  }
}

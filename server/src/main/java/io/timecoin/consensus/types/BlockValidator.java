package io.timecoin.consensus.types;

import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.protocol.ValidatorSet;

/**
 * Judges a block's contents (transactions, reward) against the state after its parent, after the
 * consensus core has checked its header. A valid block's verdict also says which validators vote at
 * the next height, as executing the block would leave the registry.
 */
public interface BlockValidator {
  Verdict validate(Block block);

  /** Valid, with the next height's set; or invalid, with a typed reason. */
  record Verdict(ErrorReason reason, String detail, ValidatorSet nextSet) {
    public static Verdict valid(ValidatorSet nextSet) {
      return new Verdict(
          null,
          "",
          java.util.Objects.requireNonNull(nextSet, "a valid block's verdict names the next set"));
    }

    public static Verdict invalid(ErrorReason reason, String detail) {
      return new Verdict(reason, detail, null);
    }

    public boolean isValid() {
      return reason == null;
    }
  }
}

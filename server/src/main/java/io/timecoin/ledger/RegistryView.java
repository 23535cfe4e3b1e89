package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.OutPoint;

/**
 * What the masternode transactions are checked against: the registry after the transactions before
 * them.
 */
public interface RegistryView {
  /**
   * The masternode with this consensus key, active or leaving (docs/protocol.md 4.1); null
   * otherwise.
   */
  MasternodeRecord get(ByteString consensusKey);

  /** The active masternode this output backs, or null. */
  MasternodeRecord activeByCollateral(OutPoint outpoint);

  /** How many masternodes are active. */
  int activeCount();
}

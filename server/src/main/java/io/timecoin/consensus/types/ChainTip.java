package io.timecoin.consensus.types;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.protocol.ValidatorSet;

/**
 * Where the chain stands: the last finalized block (its height, hash and timestamp), the
 * certificate that finalized it (null for genesis), the set that signed it (null for genesis) and
 * the set that votes next. Consensus runs at height + 1.
 */
public record ChainTip(
    long height,
    ByteString blockHash,
    long timestampMs,
    FinalityCertificate certificate,
    ValidatorSet certificateSet,
    ValidatorSet nextSet) {}

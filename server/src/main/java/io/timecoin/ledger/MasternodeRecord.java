package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Masternode;
import io.timecoin.proto.v1.MasternodeTier;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.protocol.Units;

/**
 * A masternode as the registry keeps it (docs/protocol.md 4.1): its consensus key, its collateral
 * (the outpoint, the amount and the owner, the collateral's address), its reward address, when it
 * was registered, whether it still is, and its uptime.
 *
 * <p>Uptime is counted over the blocks it was expected to sign: {@code missedMask} holds one bit
 * per certificate of the last {@link #UPTIME_WINDOW} heights at which it was in the validator set
 * (bit 0 the newest), set when its signature was not in that certificate.
 */
public record MasternodeRecord(
    ByteString consensusKey,
    OutPoint collateral,
    long collateralAmount,
    ByteString ownerAddress,
    ByteString rewardAddress,
    long registeredHeight,
    boolean active,
    long lastSignedHeight,
    long missedMask) {
  /** How many of its recent expected signatures a masternode's uptime covers. */
  public static final int UPTIME_WINDOW = Long.SIZE;

  /** The least collateral of a masternode: 1,000 TIME. */
  public static final long MIN_COLLATERAL = 1_000 * Units.UNITS_PER_TIME;

  /** Its weight: the collateral in whole TIME (docs/protocol.md 4.1). */
  public long weight() {
    return Long.divideUnsigned(collateralAmount, Units.UNITS_PER_TIME);
  }

  /** Bronze from 1,000 TIME, Silver from 10,000, Gold from 100,000. */
  public MasternodeTier tier() {
    long w = weight();
    return w >= 100_000
        ? MasternodeTier.MASTERNODE_TIER_GOLD
        : w >= 10_000
            ? MasternodeTier.MASTERNODE_TIER_SILVER
            : w >= 1_000
                ? MasternodeTier.MASTERNODE_TIER_BRONZE
                : MasternodeTier.MASTERNODE_TIER_UNSPECIFIED;
  }

  /** Missed certificates in the uptime window. */
  public int missedBlocks() {
    return Long.bitCount(missedMask);
  }

  /** The same masternode after a certificate of {@code height} that it was expected to sign. */
  public MasternodeRecord withCertificate(long height, boolean signed) {
    return new MasternodeRecord(
        consensusKey,
        collateral,
        collateralAmount,
        ownerAddress,
        rewardAddress,
        registeredHeight,
        active,
        signed ? height : lastSignedHeight,
        (missedMask << 1) | (signed ? 0 : 1));
  }

  /** The same masternode, no longer registered (deregistered, or its collateral spent). */
  public MasternodeRecord deactivated() {
    return new MasternodeRecord(
        consensusKey,
        collateral,
        collateralAmount,
        ownerAddress,
        rewardAddress,
        registeredHeight,
        false,
        lastSignedHeight,
        missedMask);
  }

  /** As the client API shows it. */
  public Masternode toProto() {
    return Masternode.newBuilder()
        .setConsensusKey(consensusKey)
        .setCollateral(collateral)
        .setCollateralAmount(collateralAmount)
        .setOwnerAddress(ownerAddress)
        .setRewardAddress(rewardAddress)
        .setWeight(weight())
        .setTier(tier())
        .setRegisteredHeight(registeredHeight)
        .setActive(active)
        .setLastSignedHeight(lastSignedHeight)
        .setMissedBlocks(missedBlocks())
        .build();
  }

  /**
   * Storage bytes: the missed-mask (8 bytes, big-endian), then the client API's protobuf, which
   * holds every other field (weight, tier and missed_blocks are derived again on reading).
   */
  public byte[] toBytes() {
    byte[] proto = toProto().toByteArray();
    return java.nio.ByteBuffer.allocate(Long.BYTES + proto.length)
        .putLong(missedMask)
        .put(proto)
        .array();
  }

  /** Reads {@link #toBytes()}. */
  public static MasternodeRecord fromBytes(byte[] bytes)
      throws com.google.protobuf.InvalidProtocolBufferException {
    if (bytes.length < Long.BYTES) {
      throw new com.google.protobuf.InvalidProtocolBufferException(
          "a masternode record of " + bytes.length + " bytes");
    }
    long mask = java.nio.ByteBuffer.wrap(bytes).getLong();
    Masternode m =
        Masternode.parseFrom(
            java.nio.ByteBuffer.wrap(bytes, Long.BYTES, bytes.length - Long.BYTES));
    return new MasternodeRecord(
        m.getConsensusKey(),
        m.getCollateral(),
        m.getCollateralAmount(),
        m.getOwnerAddress(),
        m.getRewardAddress(),
        m.getRegisteredHeight(),
        m.getActive(),
        m.getLastSignedHeight(),
        mask);
  }
}

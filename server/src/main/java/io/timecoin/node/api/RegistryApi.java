package io.timecoin.node.api;

import static io.timecoin.node.api.Calls.invalid;
import static io.timecoin.node.api.Calls.notFound;
import static io.timecoin.node.api.Calls.u64;

import com.google.protobuf.ByteString;
import io.timecoin.ledger.LedgerState;
import io.timecoin.ledger.MasternodeRecord;
import io.timecoin.ledger.Registry;
import io.timecoin.proto.v1.EquivocationEvidence;
import io.timecoin.proto.v1.GetMasternodeRequest;
import io.timecoin.proto.v1.GetMasternodeResponse;
import io.timecoin.proto.v1.GetValidatorSetRequest;
import io.timecoin.proto.v1.GetValidatorSetResponse;
import io.timecoin.proto.v1.ListEvidenceRequest;
import io.timecoin.proto.v1.ListEvidenceResponse;
import io.timecoin.proto.v1.ListMasternodesRequest;
import io.timecoin.proto.v1.ListMasternodesResponse;
import io.timecoin.protocol.ValidatorSet;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/** The registry's part of the client API: masternodes, validator sets, equivocation evidence. */
public final class RegistryApi {
  /** The stored equivocation evidence. */
  public interface EvidenceLog {
    /** Up to {@code limit} records from {@code fromHeight} (unsigned) on, after {@code skip}. */
    List<EquivocationEvidence> page(long fromHeight, int skip, int limit);
  }

  private final RegistryReads chain;
  private final Supplier<LedgerState> ledger;
  private final LongFunction<ValidatorSet> validatorSets;
  private final EvidenceLog evidence;

  /**
   * {@code ledger}: the ledger's published state; {@code validatorSets}: the set of a height, null
   * when not known yet.
   */
  public RegistryApi(
      RegistryReads chain,
      Supplier<LedgerState> ledger,
      LongFunction<ValidatorSet> validatorSets,
      EvidenceLog evidence) {
    this.chain = chain;
    this.ledger = ledger;
    this.validatorSets = validatorSets;
    this.evidence = evidence;
  }

  ListMasternodesResponse masternodes(ListMasternodesRequest request) throws IOException {
    Registry registry = registryAt(request.getHeight());
    int size = Calls.pageSize(request.getPageSize());
    ByteString after = ByteString.EMPTY;
    if (!request.getPageToken().isEmpty()) {
      try {
        after = ByteString.copyFrom(HexFormat.of().parseHex(request.getPageToken()));
      } catch (IllegalArgumentException e) {
        throw invalid("page_token is not one this node gave");
      }
    }
    long next = ledger.get().height() + 1;
    ListMasternodesResponse.Builder r =
        ListMasternodesResponse.newBuilder()
            .setHeight(request.getHeight() == 0 ? next : request.getHeight());
    for (MasternodeRecord m : registry.all()) { // ordered by key
      if (!m.active()) { // a past registration, or one leaving the working registry: GetMasternode
        // has it
        continue;
      }
      if (!after.isEmpty()
          && ByteString.unsignedLexicographicalComparator().compare(m.consensusKey(), after) <= 0) {
        continue;
      }
      if (r.getMasternodesCount() == size) {
        r.setNextPageToken(
            HexFormat.of().formatHex(r.getMasternodes(size - 1).getConsensusKey().toByteArray()));
        break;
      }
      r.addMasternodes(m.toProto());
    }
    return r.build();
  }

  GetMasternodeResponse masternode(GetMasternodeRequest request) throws IOException {
    if (request.getConsensusKey().size() != 32) {
      throw invalid("a consensus key is 32 bytes, not " + request.getConsensusKey().size());
    }
    Registry registry = registryAt(request.getHeight());
    MasternodeRecord m = registry.get(request.getConsensusKey());
    long height = ledger.get().height();
    if (m == null && (request.getHeight() == 0 || request.getHeight() == height + 1)) {
      // not active any more: the working registry let it go, the history has its last registration
      m = chain.registrationAfter(request.getConsensusKey(), height);
    }
    if (m == null) {
      throw notFound("no masternode with that consensus key");
    }
    return GetMasternodeResponse.newBuilder().setMasternode(m.toProto()).build();
  }

  GetValidatorSetResponse validatorSet(GetValidatorSetRequest request) {
    long next = ledger.get().height() + 1;
    long height = request.getHeight() == 0 ? next : request.getHeight();
    ValidatorSet set = height < 0 ? null : validatorSets.apply(height); // < 0: 2^63 or more
    if (set == null) {
      throw notFound(
          "no validator set is known for height "
              + u64(height)
              + " yet; the next height is "
              + next);
    }
    return GetValidatorSetResponse.newBuilder().setValidatorSet(set.toProto()).build();
  }

  ListEvidenceResponse evidence(ListEvidenceRequest request) {
    int size = Calls.pageSize(request.getPageSize());
    long skip;
    try {
      skip = request.getPageToken().isEmpty() ? 0 : Long.parseLong(request.getPageToken());
    } catch (NumberFormatException e) {
      skip = -1;
    }
    if (skip < 0) {
      throw invalid("page_token is not one this node gave");
    }
    // one more than the page: whether there is a next page (a skip past 2^31 finds nothing anyway)
    List<EquivocationEvidence> page =
        evidence.page(request.getFromHeight(), (int) Math.min(skip, Integer.MAX_VALUE), size + 1);
    ListEvidenceResponse.Builder r =
        ListEvidenceResponse.newBuilder()
            .addAllEvidence(page.subList(0, Math.min(size, page.size())));
    if (page.size() > size) {
      r.setNextPageToken(Long.toString(skip + size));
    }
    return r.build();
  }

  /**
   * The registry that chose the validators of {@code height} (the registry after block height - 1;
   * 0 means the next height): the working registry for the next height, else rebuilt from the
   * store's history, every masternode registered by then, active or not. For a past height, the
   * registrations are that height's and the uptime figures (last signed height, misses) are today's
   * for a masternode still in the working registry, else those of its last registration change:
   * uptime history is not kept.
   */
  private Registry registryAt(long height) throws IOException {
    LedgerState state = ledger.get();
    long next = state.height() + 1;
    if (height == 0 || height == next) {
      return state.registry();
    }
    if (Long.compareUnsigned(height, next) > 0) {
      throw notFound("height " + u64(height) + " is not finalized yet; the next height is " + next);
    }
    List<MasternodeRecord> past = new java.util.ArrayList<>();
    for (MasternodeRecord m : chain.registrationsAfter(height - 1)) {
      MasternodeRecord now = state.registry().get(m.consensusKey());
      if (now == null) {
        now = m;
      }
      past.add(
          new MasternodeRecord(
              m.consensusKey(),
              m.collateral(),
              m.collateralAmount(),
              m.ownerAddress(),
              m.rewardAddress(),
              m.registeredHeight(),
              m.active(),
              now.lastSignedHeight(),
              now.missedMask()));
    }
    return Registry.of(past);
  }
}

package io.timecoin.sdk;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.GetValidatorSetChangesResponse;
import io.timecoin.proto.v1.ValidatorSetChange;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.ValidatorSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a client knows of its chain without trusting the node it talks to (docs/protocol.md 8): the
 * trust root's header (and so the chain id), and the validator set of every height from the root
 * on, each derived from a certified value:
 *
 * <ul>
 *   <li>genesis root: set(1) from GetValidatorSetChanges' first change, whose header must hash to
 *       the trusted genesis hash and whose set must hash to its next_validator_set_hash;
 *   <li>checkpoint root (H, hash): the header of GetBlock(H) must hash to the pinned hash; set(H+1)
 *       is GetValidatorSet(H+1) only once it hashes to that header's next_validator_set_hash;
 *   <li>each later change c: the header of c-1 must be of the set derived for c-1 (its
 *       validator_set_hash, so a change left out shows), certified by that set, and the new set
 *       must hash to its next_validator_set_hash.
 * </ul>
 *
 * Shared by a client's subscriptions; every lookup blocks (with the client's deadline), under the
 * lock, so two subscriptions never fetch the same change twice.
 */
final class TrustedChain {
  private static final System.Logger LOG = System.getLogger(TrustedChain.class.getName());

  /** Changes asked for per call. */
  static final int PAGE = 1_000;

  /** The trust root's verified header, and the chain id it names. */
  record Anchor(long height, ByteString hash, BlockHeader header) {
    String chainId() {
      return header.getChainId();
    }
  }

  private final TimeClient client;
  private final TrustRoot root;
  // guarded by this
  private Anchor anchor;

  /**
   * Verified set(c), by the heights c from which each votes (root + 1 and every change after it).
   */
  private final TreeMap<Long, ValidatorSet> sets = new TreeMap<>();

  /**
   * Every change at a height up to this one is in {@link #sets}: the derived set of h <= complete
   * is final.
   */
  private long complete;

  TrustedChain(TimeClient client, TrustRoot root) {
    this.client = client;
    this.root = root;
  }

  /** The trust root's height (0 for a genesis root), known without asking the node. */
  long rootHeight() {
    return root.height();
  }

  /** The root's header, fetched and checked once. */
  synchronized Anchor anchor() {
    if (anchor == null) {
      anchor = root.height() == 0 ? genesis() : checkpoint();
    }
    return anchor;
  }

  /**
   * The set that votes at {@code height}, derived from the root through every change up to it.
   *
   * @throws TimeException FAILED_PRECONDITION for a height at or below the root, DATA_LOSS when
   *     what the node sent does not check out, or the failed lookup's own status
   */
  synchronized ValidatorSet setAt(long height) {
    Anchor a = anchor();
    if (height <= a.height()) {
      throw new TimeException(
          Status.Code.FAILED_PRECONDITION,
          ErrorReason.ERROR_REASON_INVALID_ARGUMENT,
          "block "
              + height
              + " is at or below the trust root (block "
              + a.height()
              + "): it cannot be checked from it");
    }
    while (height > complete) {
      long before = complete;
      walk(before);
      if (complete == before) {
        throw new TimeException(
            Status.Code.UNAVAILABLE,
            ErrorReason.ERROR_REASON_NOT_SYNCED,
            "the node's validator set changes reach only height " + complete + ", not " + height);
      }
    }
    return sets.floorEntry(height).getValue();
  }

  /**
   * The set of {@code h + 1}, given the certified header of {@code h} and set(h): the same set when
   * its next_validator_set_hash is set(h)'s hash; otherwise the change at h + 1, fetched and
   * checked against that hash.
   */
  synchronized ValidatorSet nextSet(BlockHeader certified, ValidatorSet current) {
    long next = certified.getHeight() + 1;
    ByteString expected = certified.getNextValidatorSetHash();
    ValidatorSet known = sets.get(next);
    if (known == null && next <= complete) {
      known = sets.floorEntry(next).getValue(); // derived already: no change, or the change we hold
    }
    if (known == null && expected.equals(current.hash())) {
      return current;
    }
    if (known != null) {
      if (!known.hash().equals(expected)) {
        throw refused(
            ErrorReason.ERROR_REASON_INVALID_BLOCK,
            "block "
                + certified.getHeight()
                + " names a next validator set other than the one derived for height "
                + next);
      }
      return known;
    }
    GetValidatorSetChangesResponse r = client.validatorSetChanges(certified.getHeight(), 1);
    if (r.getChangesCount() == 0 || r.getChanges(0).getHeight() != next) {
      throw refused(
          ErrorReason.ERROR_REASON_INVALID_BLOCK,
          "block "
              + certified.getHeight()
              + " changes the validator set, but the node names no change at height "
              + next);
    }
    ValidatorSet set = decode(r.getChanges(0));
    if (!set.hash().equals(expected)) {
      throw refused(
          ErrorReason.ERROR_REASON_INVALID_BLOCK,
          "the node's validator set of height "
              + next
              + " does not match the next_validator_set_hash of block "
              + certified.getHeight());
    }
    sets.put(next, set);
    return set;
  }

  // ---- the root ----

  private Anchor genesis() {
    GetValidatorSetChangesResponse r = client.validatorSetChanges(0, PAGE);
    if (r.getChangesCount() == 0
        || r.getChanges(0).getHeight() != 1
        || !r.getChanges(0).hasHeader()
        || r.getChanges(0).getHeader().getHeight() != 0) {
      throw refused(
          ErrorReason.ERROR_REASON_MALFORMED,
          "the node's first validator set change is not that of height 1");
    }
    ValidatorSetChange first = r.getChanges(0);
    BlockHeader header = first.getHeader();
    ByteString hash = hash(header);
    if (!root.pinned()) {
      LOG.log(
          System.Logger.Level.WARNING,
          "no trust root given: trusting the genesis "
              + hex(hash)
              + " of chain '"
              + header.getChainId()
              + "' that the node showed; pin it with TrustRoot.genesis(\""
              + hex(hash)
              + "\")");
    } else if (!hash.equals(root.blockHash())) {
      throw refused(
          ErrorReason.ERROR_REASON_GENESIS_MISMATCH,
          "the node's genesis is "
              + hex(hash)
              + " (chain '"
              + header.getChainId()
              + "'), not the trusted "
              + hex(root.blockHash()));
    }
    ValidatorSet first1 = decode(first);
    if (!first1.hash().equals(header.getNextValidatorSetHash())) {
      throw refused(
          ErrorReason.ERROR_REASON_INVALID_BLOCK,
          "the node's validator set of height 1 does not match block 0's next_validator_set_hash");
    }
    Anchor a = new Anchor(0, hash, header);
    sets.put(1L, first1);
    complete = 1;
    ingest(a, 1, r.getChangesList().subList(1, r.getChangesCount()), r);
    return a;
  }

  private Anchor checkpoint() {
    long h = root.height();
    BlockHeader header = client.block(h).getBlock().getHeader();
    ByteString hash = hash(header);
    if (header.getHeight() != h || !hash.equals(root.blockHash())) {
      throw refused(
          ErrorReason.ERROR_REASON_WRONG_CHAIN,
          "the node's block "
              + h
              + " is "
              + hex(hash)
              + ", not the pinned checkpoint "
              + hex(root.blockHash()));
    }
    ValidatorSet next;
    try {
      next = ValidatorSet.fromProto(client.validatorSet(h + 1));
    } catch (IllegalArgumentException e) {
      throw refused(
          ErrorReason.ERROR_REASON_MALFORMED,
          "the node's validator set of height " + (h + 1) + ": " + e.getMessage());
    }
    // GetValidatorSet is used only because the pinned header certifies its hash.
    if (!next.hash().equals(header.getNextValidatorSetHash())) {
      throw refused(
          ErrorReason.ERROR_REASON_INVALID_BLOCK,
          "the node's validator set of height "
              + (h + 1)
              + " does not match the checkpoint's next_validator_set_hash");
    }
    sets.put(h + 1, next);
    complete = h + 1;
    return new Anchor(h, hash, header);
  }

  // ---- the changes after it ----

  /** Fetches the changes after {@code from} (answers until an empty one) and takes each in. */
  private void walk(long from) {
    Anchor a = anchor;
    GetValidatorSetChangesResponse r;
    do {
      r = client.validatorSetChanges(from, PAGE);
      ingest(a, from, r.getChangesList(), r);
      from = complete;
    } while (r.getChangesCount() > 0);
  }

  /**
   * Checks and keeps changes after {@code from}, in order; then what the answer covers is complete.
   */
  private void ingest(
      Anchor a, long from, List<ValidatorSetChange> changes, GetValidatorSetChangesResponse r) {
    long last = from;
    for (ValidatorSetChange change : changes) {
      long c = change.getHeight();
      if (c <= last) {
        throw refused(
            ErrorReason.ERROR_REASON_MALFORMED,
            "the node's validator set changes are not in ascending order after "
                + from
                + " ("
                + c
                + " after "
                + last
                + ")");
      }
      ValidatorSet set = checkChange(a, change);
      ValidatorSet held = sets.get(c);
      if (held != null && !held.hash().equals(set.hash())) {
        throw refused(
            ErrorReason.ERROR_REASON_INVALID_BLOCK,
            "the node's validator set change at height " + c + " contradicts the certified one");
      }
      sets.put(c, set);
      last = c;
    }
    // An answer says nothing of what follows its last change (the node stops one at a byte bound
    // as well as at the limit); an empty one covers the node's tip + 1.
    long covered = r.getChangesCount() == 0 ? Math.max(last, r.getFinalizedHeight() + 1) : last;
    complete = Math.max(complete, covered);
  }

  /** The set of one change c, once the header of c-1 is certified by set(c-1) and commits to it. */
  private ValidatorSet checkChange(Anchor a, ValidatorSetChange change) {
    long c = change.getHeight();
    String what = "the validator set change at height " + c + ": ";
    Map.Entry<Long, ValidatorSet> before = c - 1 > a.height() ? sets.floorEntry(c - 1) : null;
    if (before == null) {
      throw refused(
          ErrorReason.ERROR_REASON_INVALID_BLOCK, what + "it is not above the trust root + 1");
    }
    ValidatorSet previous = before.getValue();
    BlockHeader header = change.getHeader();
    FinalityCertificate certificate = change.getCertificate();
    if (!change.hasHeader() || !change.hasCertificate() || header.getHeight() != c - 1) {
      throw refused(
          ErrorReason.ERROR_REASON_MALFORMED,
          what + "it needs the header and certificate of block " + (c - 1));
    }
    if (!header.getChainId().equals(a.chainId())) {
      throw refused(
          ErrorReason.ERROR_REASON_WRONG_CHAIN,
          what + "its header is of chain '" + header.getChainId() + "'");
    }
    if (certificate.getHeight() != c - 1 || !certificate.getBlockHash().equals(hash(header))) {
      throw refused(
          ErrorReason.ERROR_REASON_INVALID_BLOCK, what + "its certificate is not of its header");
    }
    if (!header.getValidatorSetHash().equals(previous.hash())) {
      throw refused(
          ErrorReason.ERROR_REASON_INVALID_BLOCK,
          what
              + "block "
              + (c - 1)
              + " is not of the set derived for its height (a change before it is missing or false)");
    }
    try {
      FinalityCertificates.verify(certificate, a.chainId(), previous, SignatureVerifier.ED25519);
    } catch (FinalityCertificates.InvalidCertificateException e) {
      throw refused(
          e.reason(), what + "the certificate of block " + (c - 1) + ": " + e.getMessage());
    }
    ValidatorSet set = decode(change);
    if (!set.hash().equals(header.getNextValidatorSetHash())) {
      throw refused(
          ErrorReason.ERROR_REASON_INVALID_BLOCK,
          what + "the set does not match block " + (c - 1) + "'s next_validator_set_hash");
    }
    return set;
  }

  private static ValidatorSet decode(ValidatorSetChange change) {
    try {
      return ValidatorSet.fromProto(change.getValidatorSet()).atHeight(change.getHeight());
    } catch (IllegalArgumentException e) { // empty, a bad or repeated key, zero weight
      throw refused(
          ErrorReason.ERROR_REASON_MALFORMED,
          "the validator set of height " + change.getHeight() + " is unusable: " + e.getMessage());
    }
  }

  private static ByteString hash(BlockHeader header) {
    try {
      return Hashes.block(header);
    } catch (MalformedException e) {
      throw refused(
          ErrorReason.ERROR_REASON_MALFORMED,
          "block " + header.getHeight() + ": " + e.getMessage());
    }
  }

  /** DATA_LOSS: what the node sent cannot be trusted; retrying the same node would not help. */
  static TimeException refused(ErrorReason reason, String message) {
    return new TimeException(Status.Code.DATA_LOSS, reason, message);
  }

  private static String hex(ByteString b) {
    return HexFormat.of().formatHex(b.toByteArray());
  }
}

package io.timecoin.consensus.signer;

import com.google.protobuf.ByteString;
import io.timecoin.consensus.types.SignedStep;
import io.timecoin.consensus.types.Signer;
import io.timecoin.crypto.Ed25519KeyPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * Signs with the consensus key after recording durably what it signs; refuses anything that
 * conflicts with the record (docs/protocol.md 5.6). Signing the very same step again is allowed:
 * Ed25519 is deterministic, so it yields the same signature, not a second message.
 */
public final class RecordKeepingSigner implements Signer {
  private final Ed25519KeyPair key;
  private final ByteString publicKey;
  private final SignerRecordStore store;
  private SignerRecord record;
  private long refusals;

  public RecordKeepingSigner(Ed25519KeyPair key, SignerRecordStore store) throws IOException {
    this.key = key;
    this.publicKey = ByteString.copyFrom(key.publicKey().bytes());
    this.store = store;
    this.record = store.load();
  }

  @Override
  public ByteString publicKey() {
    return publicKey;
  }

  @Override
  public Optional<ByteString> sign(SignedStep step, byte[] canonicalBytes, Lock lock) {
    if (!record.allows(step)) {
      refusals++;
      return Optional.empty();
    }
    if (record.isNew(step)) {
      SignerRecord next = record.after(step, lock);
      try {
        store.save(next); // durable before the signature exists
      } catch (IOException e) {
        throw new UncheckedIOException("cannot persist the signer record; refusing to sign", e);
      }
      record = next;
    }
    return Optional.of(ByteString.copyFrom(key.sign(canonicalBytes)));
  }

  @Override
  public Optional<Lock> lockAt(long height) {
    SignerRecord.Height h = record.at(height);
    return h == null ? Optional.empty() : Optional.ofNullable(h.lock());
  }

  @Override
  public List<SignedStep> signedAt(long height) {
    SignerRecord.Height h = record.at(height);
    return h == null ? List.of() : h.signed();
  }

  /** The record as it stands. */
  public SignerRecord record() {
    return record;
  }

  /** How many signatures were refused as conflicting with the record. */
  public long refusals() {
    return refusals;
  }
}

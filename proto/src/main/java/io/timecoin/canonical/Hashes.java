package io.timecoin.canonical;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.Sha256;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.ValidatorSet;

/** The hashes that name things: SHA-256 of canonical bytes (docs/protocol.md 2). */
public final class Hashes {
  /** The nil hash: 32 zero bytes. */
  public static final ByteString NIL = ByteString.copyFrom(new byte[32]);

  private Hashes() {}

  /** The block hash: SHA-256 of the HEADER bytes. */
  public static ByteString block(BlockHeader header) {
    return ByteString.copyFrom(Sha256.hash(CanonicalBytes.header(header)));
  }

  /** The transaction id: SHA-256 of the TX bytes (witnesses excluded). */
  public static ByteString transaction(Transaction tx) {
    return ByteString.copyFrom(Sha256.hash(CanonicalBytes.transaction(tx)));
  }

  /** The wtxid: SHA-256 of the TXW bytes (the id and every witness), the leaf of witness_root. */
  public static ByteString wtxid(Transaction tx) {
    return ByteString.copyFrom(Sha256.hash(CanonicalBytes.transactionWithWitnesses(tx)));
  }

  /** The wtxid of {@code tx}, whose id {@code txid} the caller has already computed. */
  public static ByteString wtxid(ByteString txid, Transaction tx) {
    return ByteString.copyFrom(Sha256.hash(CanonicalBytes.transactionWithWitnesses(txid, tx)));
  }

  /** SHA-256 of the CERT bytes: a header's last_certificate_hash. */
  public static ByteString certificate(FinalityCertificate cert) {
    return ByteString.copyFrom(Sha256.hash(CanonicalBytes.certificate(cert)));
  }

  /** SHA-256 of the VALSET bytes: a header's validator_set_hash. */
  public static ByteString validatorSet(ValidatorSet set) {
    return ByteString.copyFrom(Sha256.hash(CanonicalBytes.validatorSet(set)));
  }
}

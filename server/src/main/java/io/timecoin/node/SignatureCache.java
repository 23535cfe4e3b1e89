package io.timecoin.node;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.SignatureVerifier;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Strict Ed25519 verification that remembers the signatures it found valid, so one signature is
 * verified once however many times it is checked: a precommit as a vote, then inside the next
 * proposal's last_certificate; a synced block's certificate and transactions, verified in parallel
 * off the consensus thread, then checked again there in order; a transaction verified on admission,
 * then executed in a proposal before the mempool holds it (or the other way round). A hit needs the
 * same key, message and signature bytes; invalid signatures are never remembered. Bounded: the
 * oldest entries go first. Thread-safe.
 */
public final class SignatureCache implements SignatureVerifier {
  private record Verified(Ed25519PublicKey key, byte[] message) {}

  private final int capacity;
  private final ConcurrentHashMap<ByteString, Verified> verified = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<ByteString> order = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final LongAdder hits = new LongAdder();
  private final LongAdder verifications = new LongAdder();

  public SignatureCache(int capacity) {
    this.capacity = capacity;
  }

  @Override
  public boolean verify(Ed25519PublicKey key, byte[] message, ByteString signature) {
    Verified known = verified.get(signature);
    if (known != null && known.key().equals(key) && Arrays.equals(known.message(), message)) {
      hits.increment();
      return true;
    }
    verifications.increment();
    if (!key.verify(message, signature.toByteArray())) {
      return false;
    }
    if (verified.put(signature, new Verified(key, message)) == null) {
      order.add(signature);
      if (size.incrementAndGet() > capacity) {
        ByteString oldest = order.poll();
        if (oldest != null) {
          verified.remove(oldest);
          size.decrementAndGet();
        }
      }
    }
    return true;
  }

  /** Checks answered from memory since start. */
  public long hits() {
    return hits.sum();
  }

  /** Signatures actually verified since start. */
  public long verifications() {
    return verifications.sum();
  }
}

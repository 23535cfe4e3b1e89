package io.timecoin.it.conformance;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.protocol.Fees;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.ValidatorSet;
import io.timecoin.sdk.TimeClient;
import io.timecoin.sdk.TimeException;
import io.timecoin.sdk.TrustRoot;
import io.timecoin.sdk.VerifiedBlock;
import io.timecoin.sdk.Wallet;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Java runner of the conformance scenario (integration-tests/conformance/README.md): what the
 * Java SDK sees, one fact a line, in the format every language's runner prints.
 *
 * <pre>JavaRunner SCENARIO.json SETUP.json</pre>
 */
public final class JavaRunner {
  private static final HexFormat HEX = HexFormat.of();

  private JavaRunner() {}

  public static void main(String[] args) throws Exception {
    run(Path.of(args[0]), Path.of(args[1]), System.out);
  }

  public static void run(Path scenarioFile, Path setupFile, PrintStream out)
      throws IOException, InterruptedException {
    JsonObject scenario = JsonParser.parseString(Files.readString(scenarioFile)).getAsJsonObject();
    JsonObject setup = JsonParser.parseString(Files.readString(setupFile)).getAsJsonObject();
    try (TimeClient client =
        TimeClient.builder()
            .target(setup.get("target").getAsString())
            .trustRoot(TrustRoot.genesis(setup.get("genesis_hash").getAsString()))
            .deadline(Duration.ofSeconds(30))
            .build()) {
      String chainId = client.chainId();
      long change = setup.get("set_change_height").getAsLong();

      // 1. every block from 1 through the set change and a few after it, each verified from the
      // root
      long last = change + scenario.get("blocks_after_set_change").getAsLong();
      for (VerifiedBlock b : blocks(client, last)) {
        out.println("block " + b.height() + " " + hex(b.hash()));
      }

      // 2. the sets on either side of the change, derived from the root
      for (long h = change - 1; h <= change; h++) {
        var set = client.verifiedValidatorSet(h);
        out.println(
            "set "
                + h
                + " "
                + hex(ValidatorSet.fromProto(set).hash())
                + " "
                + set.getValidatorsCount());
      }

      // 3. certificate verdicts, as served and tampered
      for (JsonElement e : scenario.getAsJsonArray("certificates")) {
        JsonObject c = e.getAsJsonObject();
        long height = c.get("height").getAsLong();
        FinalityCertificate cert = tamper(client.certificate(height), c);
        ValidatorSet set =
            ValidatorSet.fromProto(client.verifiedValidatorSet(height)).atHeight(height);
        String verdict;
        try {
          FinalityCertificates.verify(cert, chainId, set);
          verdict = "valid";
        } catch (FinalityCertificates.InvalidCertificateException refused) {
          verdict = reason(refused.reason());
        }
        out.println("certificate " + c.get("name").getAsString() + " " + verdict);
      }

      // 4. transactions: built and signed here, judged by the node
      Ed25519KeyPair alice = key(scenario, "alice");
      Ed25519KeyPair bob = key(scenario, "bob");
      var inputs = setup.getAsJsonArray("inputs");
      for (JsonElement e : scenario.getAsJsonArray("transactions")) {
        JsonObject t = e.getAsJsonObject();
        String name = t.get("name").getAsString();
        JsonObject in = inputs.get(t.get("input").getAsInt()).getAsJsonObject();
        OutPoint outpoint =
            OutPoint.newBuilder()
                .setTxid(ByteString.fromHex(in.get("txid").getAsString()))
                .setIndex(in.get("index").getAsInt())
                .build();
        long available = Long.parseUnsignedLong(in.get("amount").getAsString());
        long amount = Long.parseUnsignedLong(t.get("amount").getAsString());
        Ed25519KeyPair to = t.get("to").getAsString().equals("bob") ? bob : alice;
        // priced with the change output in place: the amounts do not change the size
        Transaction.Builder draft =
            Transactions.transfer(
                List.of(outpoint),
                List.of(
                    Transactions.output(amount, Address.of(to.publicKey())),
                    Transactions.output(0, Address.of(alice.publicKey()))));
        long fee = Fees.DEFAULTS.required(draft.build());
        if (t.get("fee").getAsString().equals("required-minus-one")) {
          fee -= 1;
        }
        draft.getOutputsBuilder(1).setAmount(available - amount - fee);
        Transaction tx = Transactions.sign(draft, chainId, List.of(alice), List.of());
        if (t.has("flip_signature_byte")) {
          byte[] sig = tx.getInputs(0).getWitness().getSignature().toByteArray();
          sig[t.get("flip_signature_byte").getAsInt()] ^= 1;
          tx =
              tx.toBuilder()
                  .setInputs(
                      0,
                      tx.getInputs(0).toBuilder()
                          .setWitness(
                              tx.getInputs(0).getWitness().toBuilder()
                                  .setSignature(ByteString.copyFrom(sig))))
                  .build();
        }
        ByteString txid = Hashes.transaction(tx);
        out.println("tx " + name + " " + hex(txid) + " fee " + fee);
        try {
          client.submit(tx);
          out.println("tx " + name + " accepted");
        } catch (TimeException refused) {
          out.println("tx " + name + " refused " + reason(refused.reason()));
          continue;
        }
        if (t.has("expect_final") && t.get("expect_final").getAsBoolean()) {
          out.println(
              "tx "
                  + name
                  + " final at "
                  + Wallet.awaitFinal(client, txid, Duration.ofSeconds(60)));
        }
      }
    }
  }

  /** Blocks 1..last of the verified subscription. */
  private static List<VerifiedBlock> blocks(TimeClient client, long last)
      throws InterruptedException {
    List<VerifiedBlock> got = new java.util.ArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    client
        .subscribeFinalized(1)
        .subscribe(
            new Flow.Subscriber<>() {
              private Flow.Subscription s;

              @Override
              public void onSubscribe(Flow.Subscription s) {
                this.s = s;
                s.request(Long.MAX_VALUE);
              }

              @Override
              public void onNext(VerifiedBlock b) {
                got.add(b);
                if (b.height() >= last) {
                  s.cancel();
                  done.countDown();
                }
              }

              @Override
              public void onError(Throwable t) {
                failure.set(t);
                done.countDown();
              }

              @Override
              public void onComplete() {
                done.countDown();
              }
            });
    if (!done.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException("block " + last + " did not come within 120 s");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("the subscription failed", failure.get());
    }
    return got;
  }

  private static FinalityCertificate tamper(FinalityCertificate cert, JsonObject c) {
    FinalityCertificate.Builder b = cert.toBuilder();
    if (c.has("flip_signature_byte")) {
      JsonObject f = c.getAsJsonObject("flip_signature_byte");
      int signer = f.get("signer").getAsInt();
      byte[] sig = cert.getSignatures(signer).getSignature().toByteArray();
      sig[f.get("byte").getAsInt()] ^= 1;
      b.setSignatures(
          signer, cert.getSignatures(signer).toBuilder().setSignature(ByteString.copyFrom(sig)));
    }
    if (c.has("replace_last_signer_key")) {
      int last = b.getSignaturesCount() - 1;
      b.setSignatures(
          last,
          b.getSignatures(last).toBuilder()
              .setValidator(ByteString.fromHex(c.get("replace_last_signer_key").getAsString())));
    }
    if (c.has("keep_signers")) {
      List<CertificateSignature> kept =
          cert.getSignaturesList().subList(0, c.get("keep_signers").getAsInt());
      b.clearSignatures().addAllSignatures(kept);
    }
    if (c.has("repeat_signer")) {
      int i = c.get("repeat_signer").getAsInt();
      b.addSignatures(i + 1, cert.getSignatures(i));
    }
    if (c.has("nil_block_hash")) {
      b.setBlockHash(ByteString.copyFrom(new byte[32]));
    }
    if (c.has("height_plus_one")) {
      b.setHeight(cert.getHeight() + 1);
    }
    return b.build();
  }

  private static Ed25519KeyPair key(JsonObject scenario, String name) {
    return Ed25519KeyPair.fromSeed(
        HEX.parseHex(scenario.getAsJsonObject("keys").get(name).getAsString()));
  }

  /** An ErrorReason's name without its prefix, as every runner prints it. */
  private static String reason(io.timecoin.proto.v1.ErrorReason r) {
    return r.name().substring("ERROR_REASON_".length());
  }

  private static String hex(ByteString b) {
    return HEX.formatHex(b.toByteArray());
  }
}

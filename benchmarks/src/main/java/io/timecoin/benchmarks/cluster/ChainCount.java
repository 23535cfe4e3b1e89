package io.timecoin.benchmarks.cluster;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.FinalizedBlock;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.SubscribeFinalizedRequest;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;
import io.timecoin.proto.v1.Transaction;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * Blocks 1..to of a chain as a node that syncs them sees them, read from a node's client API: the
 * transfers in them and the signatures the syncing node verifies (each block's certificate, the
 * signatures of its last_certificate that the previous block's certificate lacks, since one
 * signature is verified once, and every transaction witness).
 */
record ChainCount(long blocks, long transfers, long signatures) {
  static ChainCount read(String endpoint, long to) {
    ManagedChannel channel = NettyChannelBuilder.forTarget(endpoint).usePlaintext().build();
    try {
      Iterator<SubscribeFinalizedResponse> stream =
          NodeServiceGrpc.newBlockingStub(channel)
              .subscribeFinalized(SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build());
      long blocks = 0;
      long transfers = 0;
      long signatures = 0;
      Set<ByteString> previous = Set.of();
      while (blocks < to && stream.hasNext()) {
        SubscribeFinalizedResponse r = stream.next();
        if (!r.hasBlock()) {
          continue;
        }
        FinalizedBlock b = r.getBlock();
        Set<ByteString> cert = signatures(b.getCertificate());
        signatures += cert.size();
        for (ByteString s : signatures(b.getBlock().getBody().getLastCertificate())) {
          if (!previous.contains(s)) {
            signatures++;
          }
        }
        previous = cert;
        for (Transaction tx : b.getBlock().getBody().getTransactionsList()) {
          signatures += tx.getInputsCount() + tx.getKindWitnessesCount();
        }
        transfers += b.getBlock().getBody().getTransactionsCount() - 1; // the REWARD first
        blocks++;
      }
      return new ChainCount(blocks, transfers, signatures);
    } finally {
      channel.shutdownNow(); // ends the subscription
    }
  }

  private static Set<ByteString> signatures(FinalityCertificate cert) {
    Set<ByteString> out = new HashSet<>();
    for (CertificateSignature s : cert.getSignaturesList()) {
      out.add(s.getSignature());
    }
    return out;
  }
}

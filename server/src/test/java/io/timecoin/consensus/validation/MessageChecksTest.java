package io.timecoin.consensus.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockBody;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Every field of a vote, proposal and certificate has its length checked before anything keys or
 * hashes it.
 */
class MessageChecksTest {
  private static final String CHAIN = "timecoin-test";

  private static ByteString bytes(int n) {
    return ByteString.copyFrom(new byte[n]);
  }

  private static final Vote VOTE =
      Vote.newBuilder()
          .setChainId(CHAIN)
          .setType(VoteType.VOTE_TYPE_PREPARE)
          .setHeight(5)
          .setRound(1)
          .setBlockHash(bytes(32))
          .setValidator(bytes(32))
          .setSignature(bytes(64))
          .build();
  private static final FinalityCertificate CERT =
      FinalityCertificate.newBuilder()
          .setHeight(4)
          .setBlockHash(bytes(32))
          .addSignatures(
              CertificateSignature.newBuilder().setValidator(bytes(32)).setSignature(bytes(64)))
          .build();
  private static final Proposal PROPOSAL =
      Proposal.newBuilder()
          .setChainId(CHAIN)
          .setHeight(5)
          .setRound(1)
          .setValidRound(0)
          .setProposer(bytes(32))
          .setSignature(bytes(64))
          .setBlock(
              Block.newBuilder()
                  .setHeader(
                      BlockHeader.newBuilder()
                          .setVersion(2)
                          .setChainId(CHAIN)
                          .setHeight(5)
                          .setPrevHash(bytes(32))
                          .setTxRoot(bytes(32))
                          .setWitnessRoot(bytes(32))
                          .setLastCertificateHash(bytes(32))
                          .setValidatorSetHash(bytes(32))
                          .setNextValidatorSetHash(bytes(32))
                          .setProposer(bytes(32)))
                  .setBody(BlockBody.newBuilder().setLastCertificate(CERT)))
          .addJustification(VOTE.toBuilder().setRound(0))
          .build();

  @Test
  void wellFormedMessagesPass() {
    assertNull(MessageChecks.vote(VOTE, CHAIN));
    assertNull(MessageChecks.proposal(PROPOSAL, CHAIN, 1 << 20));
    assertNull(MessageChecks.certificate(CERT));
  }

  @Test
  void aProposalWithAnyFieldOfTheWrongLengthIsMalformed() {
    for (int n : new int[] {0, 31, 33}) {
      List<UnaryOperator<BlockHeader.Builder>> headers =
          List.of(
              h -> h.setPrevHash(bytes(n)),
              h -> h.setTxRoot(bytes(n)),
              h -> h.setWitnessRoot(bytes(n)),
              h -> h.setLastCertificateHash(bytes(n)),
              h -> h.setValidatorSetHash(bytes(n)),
              h -> h.setNextValidatorSetHash(bytes(n)),
              h -> h.setProposer(bytes(n)));
      for (var breaker : headers) {
        Proposal p =
            PROPOSAL.toBuilder()
                .setBlock(
                    PROPOSAL.getBlock().toBuilder()
                        .setHeader(breaker.apply(PROPOSAL.getBlock().getHeader().toBuilder())))
                .build();
        assertEquals(
            ErrorReason.ERROR_REASON_MALFORMED,
            MessageChecks.proposal(p, CHAIN, 1 << 20).reason(),
            p::toString);
      }
      Proposal cert =
          PROPOSAL.toBuilder()
              .setBlock(
                  PROPOSAL.getBlock().toBuilder()
                      .setBody(
                          BlockBody.newBuilder()
                              .setLastCertificate(CERT.toBuilder().setBlockHash(bytes(n)))))
              .build();
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          MessageChecks.proposal(cert, CHAIN, 1 << 20).reason());
      Proposal justification =
          PROPOSAL.toBuilder().setJustification(0, VOTE.toBuilder().setValidator(bytes(n))).build();
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          MessageChecks.proposal(justification, CHAIN, 1 << 20).reason());
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          MessageChecks.proposal(PROPOSAL.toBuilder().setProposer(bytes(n)).build(), CHAIN, 1 << 20)
              .reason());
    }
    for (int n : new int[] {0, 63, 65}) {
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          MessageChecks.proposal(
                  PROPOSAL.toBuilder().setSignature(bytes(n)).build(), CHAIN, 1 << 20)
              .reason());
    }
  }

  @Test
  void aVoteOrCertificateWithAnyFieldOfTheWrongLengthIsMalformed() {
    for (int n : new int[] {0, 31, 33}) {
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          MessageChecks.vote(VOTE.toBuilder().setBlockHash(bytes(n)).build(), CHAIN).reason());
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          MessageChecks.vote(VOTE.toBuilder().setValidator(bytes(n)).build(), CHAIN).reason());
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          MessageChecks.certificate(CERT.toBuilder().setBlockHash(bytes(n)).build()).reason());
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          MessageChecks.certificate(
                  CERT.toBuilder()
                      .setSignatures(0, CERT.getSignatures(0).toBuilder().setValidator(bytes(n)))
                      .build())
              .reason());
    }
    for (int n : new int[] {0, 63, 65}) {
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          MessageChecks.vote(VOTE.toBuilder().setSignature(bytes(n)).build(), CHAIN).reason());
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          MessageChecks.certificate(
                  CERT.toBuilder()
                      .setSignatures(0, CERT.getSignatures(0).toBuilder().setSignature(bytes(n)))
                      .build())
              .reason());
    }
    // a uint32 round of 2^31 or more is not a negative round
    assertEquals(
        ErrorReason.ERROR_REASON_MALFORMED,
        MessageChecks.vote(VOTE.toBuilder().setRound(Integer.MIN_VALUE).build(), CHAIN).reason());
    assertEquals(
        ErrorReason.ERROR_REASON_MALFORMED,
        MessageChecks.certificate(CERT.toBuilder().setRound(-1).build()).reason());
  }
}

package io.timecoin.canonical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockBody;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.RegisterMasternodePayload;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.Witness;
import org.junit.jupiter.api.Test;

class UnknownFieldsTest {
  private static UnknownFieldSet unknown(int number) {
    return UnknownFieldSet.newBuilder()
        .addField(number, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
        .build();
  }

  private static final ByteString B32 = ByteString.copyFrom(new byte[32]);
  private static final ByteString B64 = ByteString.copyFrom(new byte[64]);

  private static Transaction transaction(int i) {
    return Transaction.newBuilder()
        .setVersion(1)
        .setKind(TransactionKind.TRANSACTION_KIND_TRANSFER)
        .addInputs(
            TxInput.newBuilder()
                .setOutpoint(OutPoint.newBuilder().setTxid(B32).setIndex(i))
                .setWitness(Witness.newBuilder().setPublicKey(B32).setSignature(B64)))
        .addInputs(
            TxInput.newBuilder()
                .setOutpoint(OutPoint.newBuilder().setTxid(B32).setIndex(i + 1))
                .setWitness(Witness.newBuilder().setPublicKey(B32).setSignature(B64)))
        .addOutputs(
            TxOutput.newBuilder().setAmount(5).setAddress(ByteString.copyFrom(new byte[20])))
        .build();
  }

  private static Proposal proposal(int transactions) {
    BlockBody.Builder body =
        BlockBody.newBuilder()
            .setLastCertificate(
                FinalityCertificate.newBuilder()
                    .setHeight(4)
                    .setBlockHash(B32)
                    .addSignatures(
                        CertificateSignature.newBuilder().setValidator(B32).setSignature(B64)));
    for (int i = 0; i < transactions; i++) {
      body.addTransactions(transaction(i));
    }
    return Proposal.newBuilder()
        .setChainId("c")
        .setHeight(5)
        .setProposer(B32)
        .setSignature(B64)
        .setBlock(
            Block.newBuilder()
                .setHeader(BlockHeader.newBuilder().setVersion(1).setPrevHash(B32))
                .setBody(body))
        .addJustification(Vote.newBuilder().setBlockHash(B32))
        .build();
  }

  @Test
  void aCleanMessageHasNone() {
    assertNull(UnknownFields.find(proposal(10)));
    assertNull(UnknownFields.find(Vote.getDefaultInstance()));
    assertNull(
        UnknownFields.find(
            ConnectRequest.newBuilder()
                .setMessage(PeerMessage.newBuilder().setProposal(proposal(3)))
                .build()));
  }

  @Test
  void findsAnUnknownFieldAtAnyDepthAndNamesItsPath() {
    assertEquals("#9", UnknownFields.find(Vote.newBuilder().setUnknownFields(unknown(9)).build()));
    Proposal p = proposal(10);
    Proposal witness =
        p.toBuilder()
            .setBlock(
                p.getBlock().toBuilder()
                    .setBody(
                        p.getBlock().getBody().toBuilder()
                            .setTransactions(
                                7,
                                p.getBlock().getBody().getTransactions(7).toBuilder()
                                    .setInputs(
                                        1,
                                        p
                                            .getBlock()
                                            .getBody()
                                            .getTransactions(7)
                                            .getInputs(1)
                                            .toBuilder()
                                            .setWitness(
                                                Witness.newBuilder()
                                                    .setPublicKey(B32)
                                                    .setSignature(B64)
                                                    .setUnknownFields(unknown(3)))))))
            .build();
    assertEquals("block.body.transactions[7].inputs[1].witness#3", UnknownFields.find(witness));
    assertEquals(
        "message.proposal.block.body.transactions[7].inputs[1].witness#3",
        UnknownFields.find(
            ConnectRequest.newBuilder()
                .setMessage(PeerMessage.newBuilder().setProposal(witness))
                .build()));
    Proposal header =
        p.toBuilder()
            .setBlock(
                p.getBlock().toBuilder()
                    .setHeader(p.getBlock().getHeader().toBuilder().setUnknownFields(unknown(15))))
            .build();
    assertEquals("block.header#15", UnknownFields.find(header));
    Proposal cert =
        p.toBuilder()
            .setBlock(
                p.getBlock().toBuilder()
                    .setBody(
                        p.getBlock().getBody().toBuilder()
                            .setLastCertificate(
                                p.getBlock().getBody().getLastCertificate().toBuilder()
                                    .setSignatures(
                                        0,
                                        CertificateSignature.newBuilder()
                                            .setUnknownFields(unknown(4))))))
            .build();
    assertEquals("block.body.last_certificate.signatures[0]#4", UnknownFields.find(cert));
    assertEquals(
        "justification[0]#6",
        UnknownFields.find(
            p.toBuilder()
                .setJustification(0, Vote.newBuilder().setUnknownFields(unknown(6)))
                .build()));
    Transaction register =
        Transaction.newBuilder()
            .setRegisterMasternode(
                RegisterMasternodePayload.newBuilder()
                    .setCollateral(OutPoint.newBuilder().setUnknownFields(unknown(8))))
            .build();
    assertEquals(
        "register_masternode.collateral#8", UnknownFields.find(register)); // inside a oneof
  }

  @Test
  void survivesTheWireAsItWouldArrive() throws Exception {
    Vote tampered = Vote.newBuilder().setHeight(3).setUnknownFields(unknown(100)).build();
    assertEquals("#100", UnknownFields.find(Vote.parseFrom(tampered.toByteArray())));
  }

  /** Rough cost on the hot paths, printed (not asserted: this machine is shared). */
  @Test
  void costOnTheHotPaths() {
    Vote vote =
        Vote.newBuilder()
            .setChainId("c")
            .setHeight(5)
            .setBlockHash(B32)
            .setValidator(B32)
            .setSignature(B64)
            .build();
    Proposal big = proposal(5_000);
    for (int i = 0; i < 20_000; i++) { // warm up
      UnknownFields.find(vote);
    }
    for (int i = 0; i < 5; i++) {
      UnknownFields.find(big);
    }
    int votes = 200_000;
    long t0 = System.nanoTime();
    for (int i = 0; i < votes; i++) {
      UnknownFields.find(vote);
    }
    long t1 = System.nanoTime();
    int proposals = 20;
    for (int i = 0; i < proposals; i++) {
      UnknownFields.find(big);
    }
    long t2 = System.nanoTime();
    byte[] wire = big.toByteArray();
    for (int i = 0; i < proposals; i++) {
      try {
        Proposal.parseFrom(wire);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
    }
    long t3 = System.nanoTime();
    System.out.printf(
        "UnknownFields.find: a vote %.0f ns, a proposal of 5,000 transactions (%d bytes) %.2f ms"
            + " (parsing it: %.2f ms)%n",
        (t1 - t0) / (double) votes,
        wire.length,
        (t2 - t1) / 1e6 / proposals,
        (t3 - t2) / 1e6 / proposals);
  }
}

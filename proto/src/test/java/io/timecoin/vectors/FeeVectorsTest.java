package io.timecoin.vectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.protocol.Fees;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeeVectorsTest {
  /**
   * Fees prices an unsigned transaction by the TXW length it will have once signed: the same
   * number.
   */
  @Test
  void theFeeSizeOfATransactionIsItsSignedTxwLength() {
    for (Transaction tx : FeeVectors.transactions()) {
      assertEquals(
          CanonicalBytes.transactionWithWitnesses(tx).length,
          Fees.witnessBytesLength(tx),
          tx.getKind().name());
    }
  }

  @Test
  void everyEntryCarriesItsParameters() {
    List<Object> section = FeeVectors.fees();
    assertEquals(4, section.size());
    for (Object entry : section) {
      assertEquals(true, ((java.util.Map<?, ?>) entry).containsKey("params"));
    }
  }
}

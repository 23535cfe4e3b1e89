package io.timecoin.vectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FeeVectorsTest {
  @Test
  void theCommittedFeeVectorsAreExactlyWhatTheCodeProduces() throws Exception {
    Path file = Path.of("testvectors/fees.json");
    assertEquals(Files.readString(file, StandardCharsets.UTF_8), FeeVectors.render(),
        "the fee rule or the canonical bytes changed: if intended, regenerate with FeeVectors.main and review the diff of "
            + file);
  }
}

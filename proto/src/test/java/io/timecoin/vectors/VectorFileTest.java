package io.timecoin.vectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class VectorFileTest {
  @Test
  void theCommittedVectorsAreExactlyWhatTheCodeProduces() throws Exception {
    Path file = Path.of(System.getProperty("timecoin.vectors", "testvectors/v2.json"));
    String committed = Files.readString(file, StandardCharsets.UTF_8);
    assertEquals(
        committed,
        TestVectors.render(),
        "the canonical bytes changed: if that is intended (a protocol change), regenerate with "
            + "'mvn -q -pl proto compile exec:java' and review the diff of "
            + file);
  }
}

package io.timecoin.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ValidatorJvmOptionsTest {
  @Test
  void binTimedStartsAValidatorWithTheOptionsTheBenchMeasures() throws Exception {
    String script = Files.readString(Path.of("..", "bin", "timed"));
    String options = String.join(" ", StartCommand.JVM_OPTIONS);
    assertTrue(
        script.contains("opts=\"" + options + "\""),
        "bin/timed must start validators with " + options);
  }

  @Test
  void anOutOfMemoryErrorEndsAValidator() {
    // a thread lost to it would leave a validator that answers and does not vote
    assertTrue(
        StartCommand.JVM_OPTIONS.contains("-XX:+ExitOnOutOfMemoryError"),
        StartCommand.JVM_OPTIONS.toString());
  }
}

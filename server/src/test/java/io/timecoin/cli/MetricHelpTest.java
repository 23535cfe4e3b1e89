package io.timecoin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.node.NodeMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every timed_ meter named in the node's sources has a HELP text in NodeMetrics (a meter that only
 * appears after a rare event, a penalty or a refusal, is not on a scraped page to check).
 */
class MetricHelpTest {
  @Test
  void everyMeterNamedInTheSourcesHasAHelpText() throws Exception {
    Path sources = Path.of("src/main/java");
    assertTrue(Files.isDirectory(sources), "run from server/");
    Pattern name = Pattern.compile("\"(timed_[a-z0-9_]+)\"");
    Set<String> missing = new TreeSet<>();
    Set<String> found = new TreeSet<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(sources)) {
      files = walk.filter(p -> p.toString().endsWith(".java")).toList();
    }
    for (Path f : files) {
      Matcher m = name.matcher(Files.readString(f));
      while (m.find()) {
        found.add(m.group(1));
        if (NodeMetrics.help(m.group(1)) == null) {
          missing.add(m.group(1) + " (" + f.getFileName() + ")");
        }
      }
    }
    assertTrue(found.size() > 20, found.toString());
    assertEquals(Set.of(), missing, "add a HELP text to NodeMetrics.HELP");
  }
}

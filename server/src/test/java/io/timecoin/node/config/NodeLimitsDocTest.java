package io.timecoin.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md and the table in code ({@link NodeLimits}, {@link NodeConfig#FIELDS}) say
 * the same.
 */
class NodeLimitsDocTest {
  private static final Path DOC = Path.of("..", "docs", "configuration.md");
  private static final String BEGIN =
      "<!-- limits table: NodeLimitsDocTest checks it against NodeLimits.ALL -->";
  private static final String END = "<!-- end of the limits table -->";

  @Test
  void theDocsListEverySettingWithItsUnitDefaultRangeAndMeaning() throws Exception {
    String doc = Files.readString(DOC);
    int begin = doc.indexOf(BEGIN);
    int end = doc.indexOf(END);
    assertTrue(
        begin >= 0 && end > begin,
        DOC + " should hold the limits table between " + BEGIN + " and " + END);
    String actual = doc.substring(begin + BEGIN.length(), end).strip();
    String expected = table();
    assertEquals(
        expected,
        actual,
        DOC + " disagrees with NodeLimits.ALL; the table should read:\n" + expected + "\n");
  }

  @Test
  void theDocsListEveryConfigField() throws Exception {
    String doc = Files.readString(DOC);
    for (String field : NodeConfig.FIELDS) {
      assertTrue(
          doc.contains("| `" + field + "` |"),
          DOC + " should have a row for config.json's " + field);
    }
  }

  /** ALL is the whole table: every Setting constant of NodeLimits in it, once, no key twice. */
  @Test
  void allHoldsEverySettingOnce() throws Exception {
    List<Setting> declared = new ArrayList<>();
    for (Field f : NodeLimits.class.getDeclaredFields()) {
      if (f.getType() == Setting.class && Modifier.isStatic(f.getModifiers())) {
        declared.add((Setting) f.get(null));
      }
    }
    assertEquals(declared, NodeLimits.ALL);
    assertEquals(
        NodeLimits.ALL.size(), NodeLimits.ALL.stream().map(Setting::key).distinct().count());
  }

  static String table() {
    StringBuilder out =
        new StringBuilder(
            "| key | unit | default | range | meaning |\n| --- | --- | --- | --- | --- |\n");
    for (Setting s : NodeLimits.ALL) {
      out.append("| `")
          .append(s.key())
          .append("` | ")
          .append(s.unit().symbol())
          .append(" | ")
          .append(amount(s, s.defaultValue()))
          .append(" | ")
          .append(amount(s, s.min()))
          .append(" to ")
          .append(amount(s, s.max()))
          .append(" | ")
          .append(s.meaning())
          .append(" |\n");
    }
    return out.toString().strip();
  }

  /** Bytes in whole GiB, MiB or KiB when they are, other numbers with thousands separators. */
  private static String amount(Setting s, long v) {
    if (s.unit() == Setting.Unit.BYTES && v > 0) {
      for (int shift = 30; shift >= 10; shift -= 10) {
        if (v % (1L << shift) == 0) {
          return (v >> shift) + (shift == 30 ? " GiB" : shift == 20 ? " MiB" : " KiB");
        }
      }
    }
    return String.format(Locale.ROOT, "%,d", v);
  }
}

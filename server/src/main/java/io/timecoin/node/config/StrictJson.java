package io.timecoin.node.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The strict JSON of the node's files. A document is read whole into maps, lists and values with
 * jackson-core's streaming parser (duplicate keys refused), then read field by field through {@link
 * Fields}, which refuses unknown fields and wrong types and names the field in every error. Reading
 * the whole document first lets a field depend on another one written after it (addresses on
 * chain_id).
 */
final class StrictJson {
  /** Makes the exception of a file kind (ConfigException, GenesisException) for a field. */
  interface Errors {
    ConfigException at(String field, String problem);
  }

  /** Writes a document's fields. */
  interface Body {
    void write(JsonGenerator out) throws IOException;
  }

  /**
   * JSON null, kept apart from an absent field so that {@code "x": null} is a wrong type, not a
   * default.
   */
  private static final Object NULL = new Object();

  private static final Pattern UNSIGNED_DECIMAL = Pattern.compile("0|[1-9][0-9]*");

  private static final JsonFactory FACTORY =
      new JsonFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private StrictJson() {}

  /** The fields of the document {@code text}, whose root must be an object. */
  static Fields parse(String text, Errors errors) {
    Object root = tree(text, errors);
    if (!(root instanceof Map)) {
      throw errors.at("", "the document must be a JSON object, got " + describe(root));
    }
    return new Fields("", asMap(root), errors);
  }

  private static Object tree(String text, Errors errors) {
    try (JsonParser parser = FACTORY.createParser(text)) {
      if (parser.nextToken() == null) {
        throw errors.at("", "empty document");
      }
      Object root = value(parser);
      if (parser.nextToken() != null) {
        throw errors.at("", "unexpected content after the document" + at(parser.currentLocation()));
      }
      return root;
    } catch (JsonProcessingException e) {
      // Duplicate keys land here too ("Duplicate field 'x'"); the pointer says in which object.
      JsonParser parser = e.getProcessor() instanceof JsonParser p ? p : null;
      String field = parser == null ? "" : path(parser.getParsingContext().pathAsPointer());
      throw errors.at(field, "not valid JSON: " + e.getOriginalMessage() + at(e.getLocation()));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a String source cannot fail to read
    }
  }

  /** The value whose first token is the parser's current one. */
  private static Object value(JsonParser parser) throws IOException {
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          parser.nextToken();
          map.put(name, value(parser));
        }
        return map;
      }
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          list.add(value(parser));
        }
        return list;
      }
      case VALUE_STRING -> {
        return parser.getText();
      }
      case VALUE_NUMBER_INT -> {
        return parser.getBigIntegerValue();
      }
      case VALUE_NUMBER_FLOAT -> {
        return parser.getDecimalValue();
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return parser.getBooleanValue();
      }
      case VALUE_NULL -> {
        return NULL;
      }
      default -> throw new IllegalStateException("unexpected token " + token);
    }
  }

  private static String at(JsonLocation location) {
    return location == null
        ? ""
        : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
  }

  /** "/masternodes/0/owner" as "masternodes[0].owner". */
  private static String path(JsonPointer pointer) {
    StringBuilder out = new StringBuilder();
    for (JsonPointer p = pointer; p != null && !p.matches(); p = p.tail()) {
      if (p.mayMatchElement()) {
        out.append('[').append(p.getMatchingIndex()).append(']');
      } else {
        out.append(out.length() == 0 ? "" : ".").append(p.getMatchingProperty());
      }
    }
    return out.toString();
  }

  private static String describe(Object value) {
    if (value instanceof Map) {
      return "an object";
    } else if (value instanceof List) {
      return "an array";
    } else if (value instanceof String s) {
      return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
    } else if (value instanceof BigInteger || value instanceof BigDecimal) {
      return "the number " + value;
    } else if (value instanceof Boolean b) {
      return b.toString();
    }
    return "null";
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    return (Map<String, Object>) value;
  }

  /**
   * Writes {@code text} to {@code path} through a temporary file and an atomic rename, so that the
   * file is either the old one or the whole new one, never half written.
   */
  static void writeFile(Path path, String text) throws IOException {
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Pretty JSON: two-space indents, one array element per line, {@code "key": value}, final
   * newline.
   */
  static String write(Body body) {
    StringWriter text = new StringWriter();
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    DefaultPrettyPrinter pretty =
        new DefaultPrettyPrinter()
            .withSeparators(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
    pretty.indentObjectsWith(indenter);
    pretty.indentArraysWith(indenter);
    try (JsonGenerator out = FACTORY.createGenerator(text).setPrettyPrinter(pretty)) {
      out.writeStartObject();
      body.write(out);
      out.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter cannot fail
    }
    return text.append('\n').toString();
  }

  /**
   * The fields of one JSON object, read by name. Every getter names the field in its error, as a
   * path from the document's root: {@code timeouts.cap_ms}, {@code masternodes[2].owner}.
   */
  static final class Fields {
    private final String path;
    private final Map<String, Object> values;
    private final Errors errors;

    private Fields(String path, Map<String, Object> values, Errors errors) {
      this.path = path;
      this.values = values;
      this.errors = errors;
    }

    /** Refuses any field not named here: a misspelt field must not silently become a default. */
    Fields allow(String... names) {
      Set<String> allowed = new LinkedHashSet<>(Arrays.asList(names));
      for (String name : values.keySet()) {
        if (!allowed.contains(name)) {
          throw error(name, "unknown field (allowed here: " + String.join(", ", allowed) + ")");
        }
      }
      return this;
    }

    boolean has(String name) {
      return values.containsKey(name);
    }

    /** The path of a field of this object, for messages. */
    String field(String name) {
      return path.isEmpty() ? name : path + "." + name;
    }

    ConfigException error(String name, String problem) {
      return errors.at(field(name), problem);
    }

    private Object required(String name) {
      if (!values.containsKey(name)) {
        throw error(name, "missing (required)");
      }
      return values.get(name);
    }

    String string(String name) {
      return asString(field(name), required(name));
    }

    String string(String name, String fallback) {
      return has(name) ? string(name) : fallback;
    }

    private String asString(String field, Object value) {
      if (value instanceof String s) {
        return s;
      }
      throw errors.at(field, "must be a string, got " + describe(value));
    }

    /** A JSON integer (no fraction, no quotes) from {@code min} to {@code max}. */
    long integer(String name, long min, long max) {
      Object value = required(name);
      if (value instanceof BigInteger n
          && n.compareTo(BigInteger.valueOf(min)) >= 0
          && n.compareTo(BigInteger.valueOf(max)) <= 0) {
        return n.longValueExact();
      }
      throw error(
          name, "must be an integer from " + min + " to " + max + ", got " + describe(value));
    }

    long integer(String name, long fallback, long min, long max) {
      return has(name) ? integer(name, min, max) : fallback;
    }

    int integer(String name, int fallback, int min, int max) {
      return has(name) ? (int) integer(name, (long) min, (long) max) : fallback;
    }

    /**
     * An amount of base units: a u64 written as a decimal string, because JSON numbers above 2^53
     * lose precision in many languages.
     */
    long amount(String name) {
      Object value = required(name);
      if (value instanceof String s && UNSIGNED_DECIMAL.matcher(s).matches()) {
        try {
          return Long.parseUnsignedLong(s);
        } catch (NumberFormatException e) {
          throw error(
              name,
              "amount " + s + " does not fit in 64 bits (at most 18446744073709551615 units)");
        }
      }
      throw error(
          name,
          "must be an amount of base units as a decimal string (e.g. \"100000000\" for 1 TIME), got "
              + describe(value));
    }

    long amount(String name, long fallback) {
      return has(name) ? amount(name) : fallback;
    }

    /**
     * The object field {@code name}; when it is absent, an empty object (all its fields take
     * defaults).
     */
    Fields object(String name) {
      if (!has(name)) {
        return new Fields(field(name), Map.of(), errors);
      }
      Object value = values.get(name);
      if (value instanceof Map) {
        return new Fields(field(name), asMap(value), errors);
      }
      throw error(name, "must be an object, got " + describe(value));
    }

    /** The array of objects {@code name} (required). */
    List<Fields> objects(String name) {
      List<Object> list = list(name, required(name));
      List<Fields> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        String element = field(name) + "[" + i + "]";
        if (!(list.get(i) instanceof Map)) {
          throw errors.at(element, "must be an object, got " + describe(list.get(i)));
        }
        out.add(new Fields(element, asMap(list.get(i)), errors));
      }
      return out;
    }

    /** The array of strings {@code name}; empty when absent. */
    List<String> strings(String name) {
      if (!has(name)) {
        return List.of();
      }
      List<Object> list = list(name, values.get(name));
      List<String> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        out.add(asString(field(name) + "[" + i + "]", list.get(i)));
      }
      return out;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(String name, Object value) {
      if (value instanceof List) {
        return (List<Object>) value;
      }
      throw error(name, "must be an array, got " + describe(value));
    }
  }
}

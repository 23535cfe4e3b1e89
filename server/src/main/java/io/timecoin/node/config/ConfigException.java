package io.timecoin.node.config;

import java.nio.file.Path;

/**
 * A configuration file that cannot be used, naming the field and the problem, e.g. {@code
 * config.json: peers[1]: port 70000 is not from 1 to 65535}.
 *
 * <p>Unchecked, because the records' canonical constructors validate too and a record's canonical
 * constructor cannot declare checked exceptions.
 */
public class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final String field;
  private final String problem;

  /**
   * @param field the JSON path of the field, e.g. {@code masternodes[0].owner}; empty for the whole
   *     document
   */
  public ConfigException(String field, String problem) {
    this(null, field, problem);
  }

  protected ConfigException(String source, String field, String problem) {
    super((source == null ? "" : source + ": ") + (field.isEmpty() ? "" : field + ": ") + problem);
    this.source = source;
    this.field = field;
    this.problem = problem;
  }

  /** The same error, saying which file it is in. */
  public ConfigException inFile(Path file) {
    return new ConfigException(file.toString(), field, problem);
  }

  /** The file the error is in, or null when the text did not come from a file. */
  public String source() {
    return source;
  }

  /**
   * The JSON path of the field at fault ({@code timeouts.cap_ms}, {@code peers[2]}); empty for the
   * whole document.
   */
  public String field() {
    return field;
  }

  /** What is wrong with the field. */
  public String problem() {
    return problem;
  }
}

package io.timecoin.node.config;

import java.nio.file.Path;

/** A genesis that cannot be used: the field at fault and what is wrong with it. */
public final class GenesisException extends ConfigException {
  private static final long serialVersionUID = 1L;

  public GenesisException(String field, String problem) {
    super(null, field, problem);
  }

  private GenesisException(String source, String field, String problem) {
    super(source, field, problem);
  }

  @Override
  public GenesisException inFile(Path file) {
    return new GenesisException(file.toString(), field(), problem());
  }
}

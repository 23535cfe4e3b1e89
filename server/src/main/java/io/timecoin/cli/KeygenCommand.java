package io.timecoin.cli;

import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.config.Genesis;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code timed keygen --out FILE}: a new Ed25519 key file, and the key's public key and address;
 * {@code timed keygen --show FILE}: the public key and address of an existing one.
 */
@Command(
    name = "keygen",
    description =
        "Write a new Ed25519 key file (mode 0600; never overwrites) and print its public key and address;"
            + " or, with --show, print those of an existing key file.")
public final class KeygenCommand extends CliCommand {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Which which;

  static final class Which {
    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description = "The key file to create.")
    Path out;

    @Option(
        names = "--show",
        required = true,
        paramLabel = "FILE",
        description = "An existing key file whose address to print.")
    Path show;
  }

  @Option(
      names = "--chain-id",
      paramLabel = "ID",
      defaultValue = Genesis.DEFAULT_CHAIN_ID,
      description = "The chain whose address format to print (default ${DEFAULT-VALUE}).")
  String chainId;

  @Override
  protected void run() throws IOException {
    Genesis.checkChainId(chainId);
    Path file = which.out != null ? which.out : which.show;
    Ed25519KeyPair key;
    if (which.out != null) {
      key = Ed25519KeyPair.generate();
      KeyFile.write(file, key);
    } else {
      if (!Files.isRegularFile(file)) {
        throw new UserError(file + ": no such key file");
      }
      try {
        key = KeyFile.read(file);
      } catch (IOException | RuntimeException e) {
        throw new UserError(file + " is not a key file: " + e.getMessage());
      }
    }
    PrintWriter print = out();
    print.println("key file:   " + file);
    print.println("public key: " + key.publicKey().toHex());
    print.println("address:    " + Address.of(key.publicKey()).toBech32m(chainId));
    print.flush();
    key.destroy();
  }
}

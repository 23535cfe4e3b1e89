package io.timecoin.cli;

import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.config.Genesis;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code timed keygen --out FILE}: a new Ed25519 key file, and the key's public key and address. */
@Command(name = "keygen",
    description = "Write a new Ed25519 key file (mode 0600; never overwrites) and print its public key and address.")
public final class KeygenCommand extends CliCommand {
  @Option(names = "--out", required = true, paramLabel = "FILE", description = "The key file to create.")
  Path out;

  @Option(names = "--chain-id", paramLabel = "ID", defaultValue = Genesis.DEFAULT_CHAIN_ID,
      description = "The chain whose address format to print (default ${DEFAULT-VALUE}).")
  String chainId;

  @Override
  protected void run() throws IOException {
    Genesis.checkChainId(chainId);
    Ed25519KeyPair key = Ed25519KeyPair.generate();
    KeyFile.write(out, key);
    PrintWriter print = out();
    print.println("key file:   " + out);
    print.println("public key: " + key.publicKey().toHex());
    print.println("address:    " + Address.of(key.publicKey()).toBech32m(chainId));
    print.flush();
    key.destroy();
  }
}

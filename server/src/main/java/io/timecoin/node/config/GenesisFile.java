package io.timecoin.node.config;

import com.fasterxml.jackson.core.JsonGenerator;
import io.timecoin.consensus.statemachine.ConsensusConfig;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.InvalidKeyException;
import io.timecoin.node.config.Genesis.Allocation;
import io.timecoin.node.config.Genesis.Masternode;
import io.timecoin.node.config.StrictJson.Fields;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads and writes genesis files (the format is in {@link io.timecoin.node.config the package
 * documentation}).
 */
public final class GenesisFile {
  /** The genesis file's name in a node's home directory. */
  public static final String FILE_NAME = "genesis.json";

  private static final ConsensusConfig.Timeouts DEFAULT_TIMEOUTS =
      ConsensusConfig.Timeouts.DEFAULTS;

  private GenesisFile() {}

  /**
   * Reads and checks a genesis file.
   *
   * @throws GenesisException naming the file, the field and the problem
   * @throws IOException when the file cannot be read
   */
  public static Genesis read(Path path) throws IOException {
    try {
      return parse(Files.readString(path, StandardCharsets.UTF_8));
    } catch (CharacterCodingException e) {
      throw new GenesisException("", "not UTF-8 text").inFile(path);
    } catch (GenesisException e) {
      throw e.inFile(path);
    }
  }

  /**
   * The genesis of this JSON text.
   *
   * @throws GenesisException naming the field and the problem
   */
  public static Genesis parse(String json) {
    Fields root =
        StrictJson.parse(json, GenesisException::new)
            .allow(
                "chain_id",
                "genesis_time_ms",
                "block_interval_ms",
                "timeouts",
                "max_block_txs",
                "max_block_bytes",
                "max_tx_bytes",
                "min_tx_fee",
                "min_fee_per_byte",
                "min_output",
                "registration_fee",
                "max_validators",
                "masternodes",
                "allocations");
    String chainId = root.string("chain_id");
    Genesis.checkChainId(chainId); // before the addresses, whose prefix it decides
    long genesisTimeMs = root.integer("genesis_time_ms", 0, Long.MAX_VALUE);
    long blockIntervalMs =
        root.integer("block_interval_ms", Genesis.DEFAULT_BLOCK_INTERVAL_MS, 0, Long.MAX_VALUE);

    Fields t =
        root.object("timeouts")
            .allow(
                "propose_ms",
                "propose_delta_ms",
                "prepare_ms",
                "prepare_delta_ms",
                "precommit_ms",
                "precommit_delta_ms",
                "cap_ms");
    ConsensusConfig.Timeouts timeouts =
        new ConsensusConfig.Timeouts(
            t.integer("propose_ms", DEFAULT_TIMEOUTS.proposeBase(), 1, Long.MAX_VALUE),
            t.integer("propose_delta_ms", DEFAULT_TIMEOUTS.proposeDelta(), 0, Long.MAX_VALUE),
            t.integer("prepare_ms", DEFAULT_TIMEOUTS.prepareBase(), 1, Long.MAX_VALUE),
            t.integer("prepare_delta_ms", DEFAULT_TIMEOUTS.prepareDelta(), 0, Long.MAX_VALUE),
            t.integer("precommit_ms", DEFAULT_TIMEOUTS.precommitBase(), 1, Long.MAX_VALUE),
            t.integer("precommit_delta_ms", DEFAULT_TIMEOUTS.precommitDelta(), 0, Long.MAX_VALUE),
            t.integer("cap_ms", DEFAULT_TIMEOUTS.cap(), 1, Long.MAX_VALUE));

    int maxBlockTxs =
        root.integer("max_block_txs", Genesis.DEFAULT_MAX_BLOCK_TXS, 1, Integer.MAX_VALUE);
    int maxBlockBytes =
        root.integer("max_block_bytes", Genesis.DEFAULT_MAX_BLOCK_BYTES, 1, Integer.MAX_VALUE);
    int maxTxBytes =
        root.integer("max_tx_bytes", Genesis.DEFAULT_MAX_TX_BYTES, 1, Integer.MAX_VALUE);
    long minTxFee = root.amount("min_tx_fee", Genesis.DEFAULT_MIN_TX_FEE);
    long minFeePerByte = root.amount("min_fee_per_byte", Genesis.DEFAULT_MIN_FEE_PER_BYTE);
    long minOutput = root.amount("min_output", Genesis.DEFAULT_MIN_OUTPUT);
    long registrationFee = root.amount("registration_fee", Genesis.DEFAULT_REGISTRATION_FEE);
    int maxValidators =
        root.integer("max_validators", Genesis.DEFAULT_MAX_VALIDATORS, 1, Integer.MAX_VALUE);

    List<Masternode> masternodes = new ArrayList<>();
    for (Fields m : root.objects("masternodes")) {
      m.allow("consensus_key", "owner", "reward_address", "collateral");
      masternodes.add(
          new Masternode(
              key(m, "consensus_key"),
              address(m, "owner", chainId),
              address(m, "reward_address", chainId),
              m.amount("collateral")));
    }
    List<Allocation> allocations = new ArrayList<>();
    for (Fields a : root.objects("allocations")) {
      a.allow("address", "amount");
      allocations.add(new Allocation(address(a, "address", chainId), a.amount("amount")));
    }
    return new Genesis(
        chainId,
        genesisTimeMs,
        blockIntervalMs,
        timeouts,
        maxBlockTxs,
        maxBlockBytes,
        maxTxBytes,
        minTxFee,
        minFeePerByte,
        minOutput,
        registrationFee,
        maxValidators,
        masternodes,
        allocations);
  }

  /** Writes {@code genesis} as pretty JSON, every field present, in the documented order. */
  public static void write(Path path, Genesis genesis) throws IOException {
    StrictJson.writeFile(path, toJson(genesis));
  }

  /** The JSON text of {@code genesis}; {@link #parse} of it gives an equal Genesis. */
  public static String toJson(Genesis g) {
    return StrictJson.write(
        out -> {
          out.writeStringField("chain_id", g.chainId());
          out.writeNumberField("genesis_time_ms", g.genesisTimeMs());
          out.writeNumberField("block_interval_ms", g.blockIntervalMs());
          out.writeObjectFieldStart("timeouts");
          ConsensusConfig.Timeouts t = g.timeouts();
          out.writeNumberField("propose_ms", t.proposeBase());
          out.writeNumberField("propose_delta_ms", t.proposeDelta());
          out.writeNumberField("prepare_ms", t.prepareBase());
          out.writeNumberField("prepare_delta_ms", t.prepareDelta());
          out.writeNumberField("precommit_ms", t.precommitBase());
          out.writeNumberField("precommit_delta_ms", t.precommitDelta());
          out.writeNumberField("cap_ms", t.cap());
          out.writeEndObject();
          out.writeNumberField("max_block_txs", g.maxBlockTxs());
          out.writeNumberField("max_block_bytes", g.maxBlockBytes());
          out.writeNumberField("max_tx_bytes", g.maxTxBytes());
          writeAmount(out, "min_tx_fee", g.minTxFee());
          writeAmount(out, "min_fee_per_byte", g.minFeePerByte());
          writeAmount(out, "min_output", g.minOutput());
          writeAmount(out, "registration_fee", g.registrationFee());
          out.writeNumberField("max_validators", g.maxValidators());
          out.writeArrayFieldStart("masternodes");
          for (Masternode m : g.masternodes()) {
            out.writeStartObject();
            out.writeStringField("consensus_key", m.consensusKey().toHex());
            out.writeStringField("owner", m.owner().toBech32m(g.chainId()));
            out.writeStringField("reward_address", m.rewardAddress().toBech32m(g.chainId()));
            writeAmount(out, "collateral", m.collateral());
            out.writeEndObject();
          }
          out.writeEndArray();
          out.writeArrayFieldStart("allocations");
          for (Allocation a : g.allocations()) {
            out.writeStartObject();
            out.writeStringField("address", a.address().toBech32m(g.chainId()));
            writeAmount(out, "amount", a.amount());
            out.writeEndObject();
          }
          out.writeEndArray();
        });
  }

  private static void writeAmount(JsonGenerator out, String name, long units) throws IOException {
    out.writeStringField(name, Long.toUnsignedString(units));
  }

  private static Ed25519PublicKey key(Fields fields, String name) {
    String hex = fields.string(name);
    if (!hex.matches("[0-9A-Fa-f]{64}")) {
      throw fields.error(name, "must be an Ed25519 public key as 64 hex digits, got '" + hex + "'");
    }
    try {
      return Ed25519PublicKey.of(HexFormat.of().parseHex(hex));
    } catch (InvalidKeyException e) {
      throw fields.error(
          name,
          "not a usable Ed25519 public key (not a canonical point of the prime-order subgroup)");
    }
  }

  private static Address address(Fields fields, String name, String chainId) {
    String text = fields.string(name);
    try {
      return Address.parse(text, chainId);
    } catch (IllegalArgumentException e) {
      throw fields.error(name, e.getMessage());
    }
  }
}

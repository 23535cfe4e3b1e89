/**
 * The node's files: the chain's genesis ({@code genesis.json}, {@link
 * io.timecoin.node.config.Genesis}, {@link io.timecoin.node.config.GenesisFile}) and the node's own
 * settings ({@code config.json}, {@link io.timecoin.node.config.NodeConfig}).
 *
 * <h2>Reading rules (both files)</h2>
 *
 * <p>UTF-8 JSON whose root is an object. Reading is strict, because a typo in a chain parameter
 * silently replaced by a default would split the network: an unknown field anywhere, a key given
 * twice in one object, a value of the wrong JSON type ({@code null} included), an integer out of
 * range or with a fraction, and anything after the document are refused. Every error is a {@link
 * io.timecoin.node.config.ConfigException} ({@link io.timecoin.node.config.GenesisException} for
 * the genesis) whose message names the file, the field as a path from the root ({@code
 * timeouts.cap_ms}, {@code masternodes[2].owner}) and the problem. Fields may come in any order;
 * the writers use the order below.
 *
 * <p><b>Amounts</b> are base units (1 TIME = 100,000,000 units), unsigned 64-bit, written as
 * <em>decimal strings</em> without sign or leading zeros ({@code "100000000"}), since JSON numbers
 * above 2^53 lose precision in many languages. Other integers are JSON numbers.
 *
 * <h2>genesis.json</h2>
 *
 * <p>Fixes a chain (docs/protocol.md 3). Every node of the chain must hold the same file.
 *
 * <table>
 * <caption>genesis fields</caption>
 * <tr><th>field</th><th>type</th><th>default</th><th>rules</th></tr>
 * <tr><td>{@code chain_id}</td><td>string</td><td>required</td><td>1 to 64 ASCII letters, digits,
 *     '.', '_', '-'. {@code timecoin-mainnet} is the main network (addresses {@code time1...});
 *     every other id has testnet addresses ({@code timet1...}).</td></tr>
 * <tr><td>{@code genesis_time_ms}</td><td>integer</td><td>required</td><td>milliseconds since the
 *     Unix epoch, &gt;= 0: block 0's timestamp, so block 1 is proposed no earlier than this plus
 *     {@code block_interval_ms}</td></tr>
 * <tr><td>{@code block_interval_ms}</td><td>integer</td><td>1000</td><td>&gt;= 0; the TSDC slot
 *     (mainnet 600,000); 0 proposes as soon as the previous block is final</td></tr>
 * <tr><td>{@code timeouts}</td><td>object</td><td>each field defaults</td><td>docs/protocol.md 5.5:
 *     {@code timeout_X(r) = min(cap_ms, X_ms + r * X_delta_ms)}. Fields, in ms: {@code propose_ms}
 *     (1000), {@code propose_delta_ms} (500), {@code prepare_ms} (500), {@code prepare_delta_ms}
 *     (250), {@code precommit_ms} (500), {@code precommit_delta_ms} (250), {@code cap_ms} (30000).
 *     The three bases are &gt;= 1, the deltas &gt;= 0, and {@code cap_ms} is at least each base.
 *     The whole object, or any of its fields, may be left out.</td></tr>
 * <tr><td>{@code max_block_txs}</td><td>integer</td><td>10000</td><td>1 to 2^31-1; transactions
 *     per block, the REWARD included</td></tr>
 * <tr><td>{@code max_block_bytes}</td><td>integer</td><td>4194304</td><td>1 to 2^31-1</td></tr>
 * <tr><td>{@code max_tx_bytes}</td><td>integer</td><td>65536</td><td>1 to {@code max_block_bytes}</td></tr>
 * <tr><td>{@code min_tx_fee}</td><td>amount</td><td>"1000"</td><td>the least fee of a transaction, in units</td></tr>
 * <tr><td>{@code min_fee_per_byte}</td><td>amount</td><td>"10"</td><td>the least fee per byte of a
 *     transaction's TX and TXW bytes together (docs/protocol.md 4.3)</td></tr>
 * <tr><td>{@code min_output}</td><td>amount</td><td>"10000"</td><td>the least output of a transfer,
 *     registration or deregistration; less is DUST</td></tr>
 * <tr><td>{@code registration_fee}</td><td>amount</td><td>"100000000"</td><td>the least fee of a
 *     REGISTER_MASTERNODE (1 TIME)</td></tr>
 * <tr><td>{@code max_validators}</td><td>integer</td><td>100</td><td>1 to 2^31-1; the validator
 *     set of a height is the {@code max_validators} heaviest masternodes</td></tr>
 * <tr><td>{@code masternodes}</td><td>array of objects</td><td>required</td><td>at least one (they
 *     are the validators of height 1); each has exactly the fields below, all required</td></tr>
 * <tr><td>{@code masternodes[i].consensus_key}</td><td>string</td><td></td><td>the Ed25519 public
 *     key, 64 hex digits (written lowercase), a canonical point of the prime-order subgroup; no
 *     key twice</td></tr>
 * <tr><td>{@code masternodes[i].owner}</td><td>string</td><td></td><td>bech32m address of this
 *     chain: the collateral output's owner</td></tr>
 * <tr><td>{@code masternodes[i].reward_address}</td><td>string</td><td></td><td>bech32m address of
 *     this chain that receives the masternode's rewards</td></tr>
 * <tr><td>{@code masternodes[i].collateral}</td><td>amount</td><td></td><td>&gt;= 1,000 TIME
 *     ({@code "100000000000"}); the weight is the collateral in whole TIME (rounded down)</td></tr>
 * <tr><td>{@code allocations}</td><td>array of objects</td><td>required</td><td>may be empty; each
 *     has exactly {@code address} (bech32m address of this chain) and {@code amount} (an amount
 *     &gt; 0); an address may appear more than once (one output each)</td></tr>
 * </table>
 *
 * <p>The sum of all allocations and collaterals must fit in an unsigned 64-bit amount.
 *
 * <p><b>Block 0</b> ({@link io.timecoin.node.config.Genesis#block()}, docs/protocol.md 3) holds one
 * transaction: version 2, kind GENESIS, payload {@code GenesisPayload{chain_id, params}} where
 * {@code params} ({@link io.timecoin.node.config.Genesis#chainParams()}) is every parameter of the
 * file, masternodes included, no inputs, and as outputs the allocations in file order, then one
 * collateral output (owner, collateral) per masternode in file order; so masternode i's collateral
 * is the outpoint (genesis txid, number of allocations + i). Its header: version 2, the chain id,
 * height 0, timestamp {@code genesis_time_ms}, prev_hash, last_certificate_hash and proposer 32
 * zero bytes, tx_root and witness_root the Merkle roots of the one txid and wtxid, and
 * validator_set_hash and next_validator_set_hash both the hash of the set of height 1: the
 * masternodes with weight = collateral in whole TIME, the {@code max_validators} heaviest, equal
 * weights decided by key (the lower key in unsigned byte order is kept). The genesis hash is block
 * 0's hash.
 *
 * <p>Since the PARAMS bytes of the parameters are part of the GENESIS txid, the genesis hash
 * commits to every parameter and every allocation: two nodes whose files differ in anything refuse
 * each other at the handshake.
 *
 * <pre>
 * {
 *   "chain_id": "timecoin-devnet",
 *   "genesis_time_ms": 1790000000000,
 *   "block_interval_ms": 1000,
 *   "timeouts": {"propose_ms": 1000, "propose_delta_ms": 500, "prepare_ms": 500, "prepare_delta_ms": 250,
 *                "precommit_ms": 500, "precommit_delta_ms": 250, "cap_ms": 30000},
 *   "max_block_txs": 10000, "max_block_bytes": 4194304, "max_tx_bytes": 65536,
 *   "min_tx_fee": "1000", "min_fee_per_byte": "10", "min_output": "10000", "registration_fee": "100000000",
 *   "max_validators": 100,
 *   "masternodes": [{"consensus_key": "&lt;64 hex&gt;", "owner": "timet1...", "reward_address": "timet1...",
 *                    "collateral": "10000000000000"}],
 *   "allocations": [{"address": "timet1...", "amount": "100000000000000"}]
 * }
 * </pre>
 *
 * <h2>config.json</h2>
 *
 * <p>One node's settings, in its home directory.
 *
 * <table>
 * <caption>config fields</caption>
 * <tr><th>field</th><th>type</th><th>default</th><th>rules</th></tr>
 * <tr><td>{@code moniker}</td><td>string</td><td>"node"</td><td>a name for people; 1 to 64
 *     characters, no control characters</td></tr>
 * <tr><td>{@code peer_listen}</td><td>host:port</td><td>required</td><td>where other validators
 *     connect</td></tr>
 * <tr><td>{@code client_listen}</td><td>host:port</td><td>required</td><td>where wallets and
 *     explorers connect; not the same as {@code peer_listen}</td></tr>
 * <tr><td>{@code metrics_listen}</td><td>host:port</td><td>required</td><td>the Prometheus
 *     endpoint (HTTP, {@code /metrics}); not the same as the two above</td></tr>
 * <tr><td>{@code peers}</td><td>array of host:port</td><td>[]</td><td>the peers to dial; none twice,
 *     none with port 0</td></tr>
 * <tr><td>{@code data_dir}</td><td>string</td><td>"data"</td><td>chain data; relative to the home
 *     directory unless absolute</td></tr>
 * <tr><td>{@code key_file}</td><td>string</td><td>"keys/validator.key"</td><td>the consensus key
 *     file (mode 0600); relative to the home directory unless absolute</td></tr>
 * <tr><td>{@code web_listen}</td><td>host:port</td><td>"" (no web port)</td><td>the web port: the
 *     explorer, NodeService over gRPC-Web and JSON, {@code /metrics}, {@code /healthz}; not the same as
 *     the three ports above. {@code timed start --web-port P} and {@code --no-web} override it</td></tr>
 * <tr><td>{@code tls_dir}</td><td>string</td><td>"" (plaintext)</td><td>the folder with
 *     {@code node.crt.pem}, {@code node.key.pem} and {@code ca.pem}; relative to the home directory
 *     unless absolute</td></tr>
 * <tr><td>{@code limits}</td><td>object</td><td>{} (every default)</td><td>the node's limits and
 *     tunables, {@link io.timecoin.node.config.NodeLimits}: each field an integer in its range; the
 *     table of them all is docs/configuration.md</td></tr>
 * </table>
 *
 * <p>A host:port is {@code name:port}, {@code a.b.c.d:port} or {@code [ipv6]:port}, port 0 to
 * 65535; port 0 (listen on any free port) is for tests. The reader keeps it in its normal form
 * (IPv6 in brackets, no leading zeros in the port).
 *
 * <pre>
 * {"moniker": "node-0", "peer_listen": "127.0.0.1:24100", "client_listen": "127.0.0.1:24101",
 *  "metrics_listen": "127.0.0.1:24102", "peers": ["127.0.0.1:24110", "127.0.0.1:24120"],
 *  "data_dir": "data", "key_file": "keys/validator.key"}
 * </pre>
 */
package io.timecoin.node.config;

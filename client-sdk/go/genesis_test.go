package timecoin

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// A devnet's genesis.json (bin/timed devnet) and the genesis hash the node printed for it.
const devnetGenesis = `{
  "chain_id": "timecoin-devnet",
  "genesis_time_ms": 1796193424680,
  "block_interval_ms": 250,
  "timeouts": {"propose_ms": 1000, "propose_delta_ms": 500, "prepare_ms": 500, "prepare_delta_ms": 250,
               "precommit_ms": 500, "precommit_delta_ms": 250, "cap_ms": 30000},
  "max_block_txs": 10000, "max_block_bytes": 4194304, "max_tx_bytes": 65536,
  "min_tx_fee": "1000", "min_fee_per_byte": "10", "min_output": "10000", "registration_fee": "100000000",
  "max_validators": 100,
  "masternodes": [
    {"consensus_key": "df002f2e5997cfefcfcc8172f07589e88556411b18b280c9a56192eb8dc11788",
     "owner": "timet150gj6afmewk39ga6ytukzxnckjzx60unv6r8cn", "reward_address": "timet150gj6afmewk39ga6ytukzxnckjzx60unv6r8cn",
     "collateral": "10000000000000"},
    {"consensus_key": "6bf0bf021878849cb85e1d34b635bef6dc3331f3590ea6b3db838d8fbed188a3",
     "owner": "timet1uqflrms7tl5apelqjudp7z7hd8c5g5jy4s5g94", "reward_address": "timet1uqflrms7tl5apelqjudp7z7hd8c5g5jy4s5g94",
     "collateral": "10000000000000"},
    {"consensus_key": "3bc1d7fe94ff3ae2bc86a43287dfe68f57b99023c35c6753d28d3de2eacee719",
     "owner": "timet1t0hvv2te8n6wuxhus208gvfsk5gkg252r64qd3", "reward_address": "timet1t0hvv2te8n6wuxhus208gvfsk5gkg252r64qd3",
     "collateral": "10000000000000"},
    {"consensus_key": "fe73a9231efa378e1d33efff0ce6c59295476e8a5b18eef8fd0a946f4e9d3ec4",
     "owner": "timet1pd682p4c9ma8y2dwh93wzmq8g4f0v0jj8jvlkv", "reward_address": "timet1pd682p4c9ma8y2dwh93wzmq8g4f0v0jj8jvlkv",
     "collateral": "10000000000000"}
  ],
  "allocations": [{"address": "timet1968pqwlcdkchrn72xs46texn26gm8nmusd0503", "amount": "100000000000000"}]
}`

func TestGenesisFileGivesTheNodesGenesisHash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genesis.json")
	os.WriteFile(path, []byte(devnetGenesis), 0o644)
	root, err := GenesisRootFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(root.Hash); got != "7da355eb33dac3d50d652681b7311973bc38ebc8d57228acb1f2c60c8a1d6c10" {
		t.Errorf("genesis hash %s", got)
	}
	if _, _, err := GenesisBlock([]byte(`{"chain_id": "x", "typo": 1}`)); ReasonOf(err) != ReasonMalformed {
		t.Errorf("an unknown field: %v", err)
	}
}
